package rowexpr

import (
	"fmt"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/gluten-go/gluten-go/columnar"
	"github.com/gluten-go/gluten-go/columnar/expr"
	"github.com/gluten-go/gluten-go/columnar/rows"
)

// Row-only functions: functions that columnar/expr does not have. A plan
// that calls one evaluates that expression in a row operator (the planner
// asks IsRowOnly).

// rowOnlySpec is a row-only function.
type rowOnlySpec struct {
	name string
	// resolve returns the types the arguments must be cast to and the
	// result type, or ok=false.
	resolve func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, bool)
	// nullSafe functions see NULL arguments; the others give NULL at the
	// first NULL argument.
	nullSafe bool
	// build prepares the per-row function for arguments of the resolved
	// types; result is the resolved result type.
	build func(name string, args []Expr, result arrow.DataType) (callFn, error)
	// str renders a call (nil: name(args...)).
	str func(name string, args []Expr) string
}

var (
	rowOnlyFuncs   = map[string]*rowOnlySpec{}
	rowOnlyAliases = map[string]string{} // name or alias -> canonical name
)

func registerRowOnly(s *rowOnlySpec, alias ...string) {
	rowOnlyFuncs[s.name] = s
	for _, n := range append([]string{s.name}, alias...) {
		if exprNames[n] {
			panic("rowexpr: row-only function " + n + " shadows a columnar one")
		}
		rowOnlyAliases[n] = s.name
	}
}

func rowOnlyNames() []string {
	out := make([]string, 0, len(rowOnlyAliases))
	for n := range rowOnlyAliases {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func typeList(ts []arrow.DataType) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = typeName(t)
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// rowType reports whether t is a type rows hold: a gluten-go type or an
// ARRAY of one.
func rowType(t arrow.DataType) bool {
	if t == nil {
		return false
	}
	if lt, ok := t.(*arrow.ListType); ok {
		e := lt.Elem()
		return e != nil && e.ID() != arrow.LIST && columnar.Supported(e)
	}
	return columnar.Supported(t)
}

func resolveRowOnly(lname string, argTypes []arrow.DataType) (expr.FuncSignature, error) {
	canon, ok := rowOnlyAliases[lname]
	if !ok {
		return expr.FuncSignature{}, invalidErr("function %s does not exist", lname)
	}
	for _, t := range argTypes {
		if !rowType(t) {
			return expr.FuncSignature{}, typeErr("function %s cannot take %s", lname, typeList(argTypes))
		}
	}
	at, rt, ok := rowOnlyFuncs[canon].resolve(argTypes)
	if !ok {
		return expr.FuncSignature{}, typeErr("function %s cannot take %s", lname, typeList(argTypes))
	}
	return expr.FuncSignature{Name: canon, ArgTypes: at, ResultType: rt}, nil
}

func newRowOnly(lname string, args []Expr) (Expr, error) {
	types, err := typesOf(args)
	if err != nil {
		if _, known := rowOnlyAliases[lname]; !known {
			return nil, invalidErr("function %s does not exist", lname)
		}
		return nil, invalidErr("%s: %v", lname, err)
	}
	sig, err := resolveRowOnly(lname, types)
	if err != nil {
		return nil, err
	}
	for i, t := range sig.ArgTypes {
		if !arrow.TypeEqual(t, types[i]) {
			return nil, typeErr("function %s: argument %d (%s) is %s but must be %s; cast it first (see ResolveFunction)",
				lname, i+1, args[i], typeName(types[i]), typeName(t))
		}
	}
	spec := rowOnlyFuncs[sig.Name]
	fn, err := spec.build(lname, args, sig.ResultType)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", callString(lname, args), err)
	}
	n := &funcNode{args: args, typ: sig.ResultType, nullSafe: spec.nullSafe, fn: fn}
	if spec.str != nil {
		n.str = func() string { return spec.str(lname, args) }
	} else {
		n.str = func() string { return callString(lname, args) }
	}
	return n, nil
}

// coerce returns want when an argument of type have may be cast to it
// implicitly (expr.ImplicitCast), else nil.
func coerce(have, want arrow.DataType) arrow.DataType {
	if arrow.TypeEqual(have, want) {
		return want
	}
	if have.ID() == arrow.LIST || want.ID() == arrow.LIST {
		if have.ID() == arrow.NULL {
			return want
		}
		return nil
	}
	if expr.ImplicitCast(have, want) {
		return want
	}
	return nil
}

// sig resolves a function with fixed expected argument types, of which the
// first min are required.
func sig(result arrow.DataType, min int, want ...arrow.DataType) func([]arrow.DataType) ([]arrow.DataType, arrow.DataType, bool) {
	return func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, bool) {
		if len(args) < min || len(args) > len(want) {
			return nil, nil, false
		}
		out := make([]arrow.DataType, len(args))
		for i, a := range args {
			if out[i] = coerce(a, want[i]); out[i] == nil {
				return nil, nil, false
			}
		}
		return out, result, true
	}
}

// constArg returns the value of argument i when it is a literal.
func constArg(args []Expr, i int) (Value, bool) {
	if i >= len(args) {
		return Null, false
	}
	if l, ok := args[i].(*Lit); ok {
		return l.v, true
	}
	return Null, false
}

// stringArray is ARRAY<STRING>, the type of split's results.
var stringArray = arrow.ListOf(columnar.String)

// listElemKind returns the storage kind of an array type's elements.
func listElemKind(t arrow.DataType) rows.Kind {
	k, _ := rows.KindOf(t.(*arrow.ListType).Elem())
	return k
}

func registerRowOnlyFunctions() {
	registerRegexFunctions()
	registerStringRowOnly()
	registerHashFunctions()
	registerArrayFunctions()
}

package rowexpr

import (
	"fmt"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/gluten-go/gluten-go/columnar/expr"
	"github.com/gluten-go/gluten-go/columnar/rows"
)

// callFn computes a function on its evaluated arguments (none NULL unless
// the function is null-safe). Byte results are built in c's arena.
type callFn func(c *Context, a []Value) (Value, error)

// funcNode is a call of a scalar function: its arguments are evaluated in
// order onto the context's value stack (no allocation per row), then fn
// runs. A function that is not null-safe gives NULL at its first NULL
// argument without evaluating the rest, as Spark's null-intolerant
// expressions do.
type funcNode struct {
	str      func() string
	args     []Expr
	typ      arrow.DataType
	nullSafe bool
	fn       callFn
}

func (n *funcNode) DataType() arrow.DataType { return n.typ }
func (n *funcNode) Children() []Expr         { return n.args }
func (n *funcNode) String() string           { return n.str() }

func (n *funcNode) Eval(c *Context, l *rows.Layout, r rows.Row) (Value, error) {
	base := len(c.stack)
	for _, a := range n.args {
		v, err := a.Eval(c, l, r)
		if err != nil {
			c.stack = c.stack[:base]
			return Null, err
		}
		if v.Null && !n.nullSafe {
			c.stack = c.stack[:base]
			return Null, nil
		}
		c.stack = append(c.stack, v)
	}
	v, err := n.fn(c, c.stack[base:len(c.stack):len(c.stack)])
	c.stack = c.stack[:base]
	if err != nil {
		return Null, fmt.Errorf("%s: %w", n.str(), err)
	}
	return v, nil
}

// aliasNode evaluates an equivalent expression under the text of its
// columnar twin (if(c, a, b) as a CASE).
type aliasNode struct {
	proto
	args  []Expr
	inner Expr
}

func (n *aliasNode) Children() []Expr { return n.args }
func (n *aliasNode) Eval(c *Context, l *rows.Layout, r rows.Row) (Value, error) {
	return n.inner.Eval(c, l, r)
}

// builtin is the row implementation of a function of columnar/expr's
// registry, by canonical name. Exactly one of fn and node is set.
type builtin struct {
	nullSafe bool
	// fn prepares the per-row function for a call with these (resolved)
	// arguments; p is the columnar twin of the call (p.DataType() is the
	// result type).
	fn func(args []Expr, p expr.Expr) (callFn, error)
	// node builds a whole node, for calls evaluated as another expression.
	node func(args []Expr, p expr.Expr) (Expr, error)
}

var (
	builtins = map[string]builtin{}
	// exprNames holds every name (aliases included) columnar/expr knows.
	exprNames = map[string]bool{}
)

func init() {
	for _, n := range expr.FunctionNames() {
		exprNames[n] = true
	}
	registerStringBuiltins()
	registerMathBuiltins()
	registerDateBuiltins()
	registerCondBuiltins()
	registerRowOnlyFunctions()
}

func callString(name string, args []Expr) string {
	var b strings.Builder
	b.WriteString(name)
	b.WriteByte('(')
	for i, a := range args {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(a.String())
	}
	b.WriteByte(')')
	return b.String()
}

func typesOf(args []Expr) ([]arrow.DataType, error) {
	ts := make([]arrow.DataType, len(args))
	for i, a := range args {
		if a == nil {
			return nil, invalidErr("argument %d is nil", i+1)
		}
		ts[i] = a.DataType()
	}
	return ts, nil
}

func newFunction(name string, args []Expr) (Expr, error) {
	lname := strings.ToLower(name)
	if !exprNames[lname] {
		return newRowOnly(lname, args)
	}
	p, err := expr.Function(lname, shadowsOf(args))
	if err != nil {
		return nil, err
	}
	types, _ := typesOf(args)
	sig, err := expr.ResolveFunction(lname, types)
	if err != nil {
		return nil, err
	}
	b, ok := builtins[sig.Name]
	if !ok {
		return nil, invalidErr("internal error: function %s has no row implementation", sig.Name)
	}
	if b.node != nil {
		return b.node(args, p)
	}
	fn, err := b.fn(args, p)
	if err != nil {
		return nil, err
	}
	return &funcNode{str: p.String, args: args, typ: p.DataType(), nullSafe: b.nullSafe, fn: fn}, nil
}

func resolveFunction(name string, argTypes []arrow.DataType) (expr.FuncSignature, error) {
	lname := strings.ToLower(name)
	if exprNames[lname] {
		return expr.ResolveFunction(lname, argTypes)
	}
	return resolveRowOnly(lname, argTypes)
}

func resolveCall(name string, args []Expr) (expr.FuncSignature, error) {
	lname := strings.ToLower(name)
	if exprNames[lname] {
		return expr.ResolveCall(lname, shadowsOf(args))
	}
	types, err := typesOf(args)
	if err != nil {
		return expr.FuncSignature{}, fmt.Errorf("function %s: %w", lname, err)
	}
	return resolveRowOnly(lname, types)
}

func functionNames() []string {
	out := expr.FunctionNames()
	out = append(out, rowOnlyNames()...)
	sort.Strings(out)
	return out
}

func isRowOnly(name string) bool {
	_, ok := rowOnlyAliases[strings.ToLower(name)]
	return ok
}

// ---- helpers for function bodies ----

// strResult commits a string built in the arena.
func strResult(c *Context, b []byte) Value { return Value{B: c.commit(b)} }

// register adds a builtin under a canonical name of columnar/expr.
func register(name string, b builtin) {
	if _, dup := builtins[name]; dup {
		panic("rowexpr: builtin " + name + " registered twice")
	}
	builtins[name] = b
}

// simple registers a function that is not null-safe and needs no setup.
func simple(name string, fn callFn) {
	register(name, builtin{fn: func([]Expr, expr.Expr) (callFn, error) { return fn, nil }})
}

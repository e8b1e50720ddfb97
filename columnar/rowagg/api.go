package rowagg

import (
	"fmt"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/gluten-go/gluten-go/columnar"
	"github.com/gluten-go/gluten-go/columnar/agg"
	"github.com/gluten-go/gluten-go/columnar/rowexpr"
	"github.com/gluten-go/gluten-go/columnar/rows"
)

// ErrInvalid is wrapped by errors about invalid arguments (wrong types or
// parameters, a malformed spec). It is columnar/agg's ErrInvalid, so one
// errors.Is test serves both engines.
var ErrInvalid = agg.ErrInvalid

// ErrUnsupported is wrapped by errors about an aggregate that does not
// exist or is not defined for a type. It is columnar/agg's ErrUnsupported.
var ErrUnsupported = agg.ErrUnsupported

// ErrUDAF is wrapped by the error of a query whose user-defined aggregate
// returned an error or panicked; the message names the aggregate. It is
// rowexpr.ErrUDF, so one errors.Is test covers UDFs and UDAFs.
var ErrUDAF = rowexpr.ErrUDF

// Accumulator holds the per-group state of one aggregate call and updates it
// one row at a time. Groups are dense ids 0..NumGroups()-1 assigned by the
// caller; Update and Merge grow the state to the group they are given.
// Accumulators are not safe for concurrent use: each task has its own.
type Accumulator interface {
	// Name returns the aggregate's name (lower case, aliases resolved: avg
	// for mean, stddev_samp for stddev; the UDAF's name for a UDAF).
	Name() string
	// ResultType returns the type WriteResult writes.
	ResultType() arrow.DataType
	// StateTypes returns the types of the partial-aggregation state fields
	// that WriteState writes and Merge reads: for the standard aggregates
	// exactly columnar/agg's StateTypes (see agg.Accumulator), so partial
	// states cross between the engines. It is nil for the aggregates that
	// run in complete mode only (row-only aggregates and UDAFs), whose
	// WriteState and Merge return an error.
	StateTypes() []arrow.DataType
	// Grow makes the state hold at least n groups (a global aggregation
	// over no rows still has one group). It fails only when a UDAF's
	// zero-state function fails.
	Grow(n int) error
	// NumGroups returns the number of groups the state holds.
	NumGroups() int
	// Update folds field col of row r (of layout l) into group g. The field
	// must have the accumulator's input type; count(*) ignores l, r and
	// col. r is borrowed: the accumulator copies what it keeps.
	Update(g uint32, l *rows.Layout, r rows.Row, col int) error
	// Merge folds a partial state, stored in fields col..col+len(StateTypes)-1
	// of r as WriteState (or columnar/agg's State) wrote it, into group g.
	Merge(g uint32, l *rows.Layout, r rows.Row, col int) error
	// WriteState writes group g's partial state into fields
	// col..col+len(StateTypes)-1 of the row w is building.
	WriteState(g uint32, w *rows.Writer, col int) error
	// WriteResult writes group g's final value into field col of the row w
	// is building.
	WriteResult(g uint32, w *rows.Writer, col int) error
	// MemoryUsage returns the bytes of Go heap the state holds (for UDAFs
	// an estimate: see UDAF).
	MemoryUsage() int64
	// Reset drops every group; the accumulator stays usable.
	Reset()
}

// Spec names one aggregate call: the function, the type of its argument and
// its constant parameters. The zero Spec is not valid.
type Spec struct {
	// Name is the function's SQL name, case-insensitive: count, count(*),
	// sum, avg (mean), min, max, or one of RowOnlyAggregates. Ignored when
	// UDAF is set.
	Name string
	// InputType is the type of the aggregated argument (nil for count(*)).
	// The numeric row-only aggregates (percentile, stddev, variance, ...)
	// take INT, BIGINT, DOUBLE or DECIMAL, as Spark casts them to DOUBLE;
	// the planner casts other types first. Ignored when UDAF is set.
	InputType arrow.DataType
	// Params are the constant arguments after the first, as Go values (see
	// package columnar): percentile's percentage (in [0, 1]: a float64,
	// int32, int64, or a decimal128.Num whose DECIMAL type ParamTypes
	// gives, as a literal 0.5 is typed); first's and last's optional
	// ignoreNulls (a bool, default false). Other aggregates take none.
	Params []any
	// ParamTypes are the SQL types of Params (optional; needed for DECIMAL
	// parameters, whose scale the value alone does not tell).
	ParamTypes []arrow.DataType
	// UDAF, when set, makes the call a user-defined aggregate.
	UDAF *UDAF
}

// String renders the spec as a call, e.g. sum(decimal(15,2)).
func (s Spec) String() string {
	if s.UDAF != nil {
		return s.UDAF.Name + "(" + typeName(s.UDAF.ArgType) + ")"
	}
	if s.InputType == nil {
		return s.Name
	}
	return s.Name + "(" + typeName(s.InputType) + ")"
}

// New returns an empty accumulator for the call s. It fails, naming the
// call, when the function does not exist, does not take s.InputType, or its
// parameters are invalid.
func New(s Spec) (Accumulator, error) {
	if s.UDAF != nil {
		return newUDAFAcc(s.UDAF)
	}
	f, err := lookup(s.Name)
	if err != nil {
		return nil, err
	}
	if f.std {
		if len(s.Params) != 0 {
			return nil, fmt.Errorf("%w: %s takes no constant parameters, got %d", ErrInvalid, f.name, len(s.Params))
		}
		if f.kind != agg.CountStar && s.InputType == nil {
			return nil, fmt.Errorf("%w: %s: nil input type", ErrInvalid, f.name)
		}
		return newStandard(f.kind, s.InputType)
	}
	if s.InputType == nil {
		return nil, fmt.Errorf("%w: %s: nil input type", ErrInvalid, f.name)
	}
	if _, err := f.resolve(f.name, s.InputType); err != nil {
		return nil, err
	}
	if s.ParamTypes != nil && len(s.ParamTypes) != len(s.Params) {
		return nil, fmt.Errorf("%w: %s: %d parameter types for %d parameters", ErrInvalid, f.name, len(s.ParamTypes), len(s.Params))
	}
	return f.make(f.name, s.InputType, s.Params, s.ParamTypes)
}

// ResolveAggregate returns the result type of the aggregate name
// (case-insensitive, aliases included) over arguments of types argTypes, as
// Spark types it, or an error naming the function. Argument lists:
//
//	count(x), count(*) (name "count(*)", no arguments)     bigint
//	sum(x), avg(x), min(x), max(x)                         as columnar/agg.ResultType
//	collect_list(x), collect_set(x)                        array<type of x>
//	percentile(x, p)  (x numeric, p a numeric constant)    double
//	stddev, stddev_samp, std, stddev_pop, variance,
//	var_samp, var_pop, skewness, kurtosis
//	(x numeric or NULL)                                    double
//	first(x[, ignoreNulls]), last(x[, ignoreNulls])        type of x
//
// Row-only aggregates run in complete mode only (IsRowOnly).
func ResolveAggregate(name string, argTypes []arrow.DataType) (arrow.DataType, error) {
	f, err := lookup(name)
	if err != nil {
		return nil, err
	}
	if len(argTypes) < f.minArgs || len(argTypes) > f.maxArgs {
		want := fmt.Sprint(f.minArgs)
		if f.maxArgs != f.minArgs {
			want = fmt.Sprintf("%d or %d", f.minArgs, f.maxArgs)
		}
		return nil, fmt.Errorf("%w: function %s takes %s argument(s), got %d", ErrInvalid, f.name, want, len(argTypes))
	}
	for i, t := range argTypes {
		if t == nil {
			return nil, fmt.Errorf("%w: function %s: argument %d has no type", ErrInvalid, f.name, i+1)
		}
	}
	if f.std {
		var in arrow.DataType
		if len(argTypes) > 0 {
			in = argTypes[0]
		}
		t, err := agg.ResultType(f.kind, in)
		if err != nil {
			return nil, fmt.Errorf("function %s cannot take (%s): %w", f.name, typeList(argTypes), err)
		}
		return t, nil
	}
	t, err := f.resolve(f.name, argTypes[0])
	if err != nil {
		return nil, err
	}
	if f.checkParams != nil {
		if err := f.checkParams(f.name, argTypes[1:]); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// RowOnlyAggregates returns the names (aliases included) of the aggregates
// that have no columnar implementation, sorted. They run in complete mode
// only, in a row hash aggregate.
func RowOnlyAggregates() []string {
	var out []string
	for name, f := range registry {
		if !f.std {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// Names returns the names (aliases included) of every aggregate of this
// package, sorted.
func Names() []string {
	out := make([]string, 0, len(registry))
	for name := range registry {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// IsRowOnly reports whether the aggregate name (case-insensitive, aliases
// resolved) has no columnar implementation.
func IsRowOnly(name string) bool {
	f, err := lookup(name)
	return err == nil && !f.std
}

// StandardKind returns the columnar/agg kind of a standard aggregate name
// (count, count(*), sum, avg, mean, min, max), and false for the others.
func StandardKind(name string) (agg.AggKind, bool) {
	f, err := lookup(name)
	if err != nil || !f.std {
		return 0, false
	}
	return f.kind, true
}

// SpecOf returns the Spec of a standard aggregate of columnar/agg.
func SpecOf(kind agg.AggKind, input arrow.DataType) Spec {
	if kind == agg.CountStar {
		input = nil
	}
	return Spec{Name: kind.String(), InputType: input}
}

// funcDef describes one aggregate function.
type funcDef struct {
	name             string // canonical name
	std              bool   // a standard aggregate of columnar/agg
	kind             agg.AggKind
	minArgs, maxArgs int
	// resolve returns the result type over the first argument's type.
	resolve func(name string, in arrow.DataType) (arrow.DataType, error)
	// checkParams checks the types of the constant arguments.
	checkParams func(name string, types []arrow.DataType) error
	make        func(name string, in arrow.DataType, params []any, types []arrow.DataType) (Accumulator, error)
}

var registry = map[string]*funcDef{}

func register(f *funcDef, aliases ...string) {
	registry[f.name] = f
	for _, a := range aliases {
		registry[a] = f
	}
}

func init() {
	register(&funcDef{name: "count", std: true, kind: agg.Count, minArgs: 1, maxArgs: 1})
	register(&funcDef{name: "count(*)", std: true, kind: agg.CountStar})
	register(&funcDef{name: "sum", std: true, kind: agg.Sum, minArgs: 1, maxArgs: 1})
	register(&funcDef{name: "avg", std: true, kind: agg.Avg, minArgs: 1, maxArgs: 1}, "mean")
	register(&funcDef{name: "min", std: true, kind: agg.Min, minArgs: 1, maxArgs: 1})
	register(&funcDef{name: "max", std: true, kind: agg.Max, minArgs: 1, maxArgs: 1})

	register(&funcDef{name: "collect_list", minArgs: 1, maxArgs: 1, resolve: resolveCollect, make: makeCollect}, "array_agg")
	register(&funcDef{name: "collect_set", minArgs: 1, maxArgs: 1, resolve: resolveCollect, make: makeCollect})
	register(&funcDef{name: "percentile", minArgs: 2, maxArgs: 2, resolve: resolveNumeric,
		checkParams: checkPercentage, make: makePercentile})
	for _, m := range []struct {
		name    string
		aliases []string
	}{
		{"stddev_samp", []string{"stddev", "std"}},
		{"stddev_pop", nil},
		{"var_samp", []string{"variance"}},
		{"var_pop", nil},
		{"skewness", nil},
		{"kurtosis", nil},
	} {
		register(&funcDef{name: m.name, minArgs: 1, maxArgs: 1, resolve: resolveMoment, make: makeMoment}, m.aliases...)
	}
	register(&funcDef{name: "first", minArgs: 1, maxArgs: 2, resolve: resolveAny,
		checkParams: checkIgnoreNulls, make: makeFirstLast}, "first_value")
	register(&funcDef{name: "last", minArgs: 1, maxArgs: 2, resolve: resolveAny,
		checkParams: checkIgnoreNulls, make: makeFirstLast}, "last_value")
}

// lookup finds an aggregate by name.
func lookup(name string) (*funcDef, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	if f, ok := registry[n]; ok {
		return f, nil
	}
	return nil, fmt.Errorf("%w: aggregate function %s does not exist", ErrUnsupported, name)
}

// resolveAny accepts any type the row format holds, except arrays.
func resolveAny(name string, in arrow.DataType) (arrow.DataType, error) {
	k, err := rows.KindOf(in)
	if err != nil || k == rows.KindList {
		return nil, fmt.Errorf("%w: function %s cannot take (%s)", ErrUnsupported, name, typeName(in))
	}
	return in, nil
}

// resolveCollect types collect_list and collect_set: array<x>.
func resolveCollect(name string, in arrow.DataType) (arrow.DataType, error) {
	if _, err := resolveAny(name, in); err != nil {
		return nil, err
	}
	return arrow.ListOf(in), nil
}

// isNumeric reports whether t is INT, BIGINT, DOUBLE or DECIMAL.
func isNumeric(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.INT32, arrow.INT64, arrow.FLOAT64, arrow.DECIMAL128:
		return true
	}
	return false
}

// resolveNumeric accepts numeric input; the result is DOUBLE.
func resolveNumeric(name string, in arrow.DataType) (arrow.DataType, error) {
	if !isNumeric(in) {
		return nil, fmt.Errorf("%w: function %s cannot take (%s): it needs a numeric argument", ErrUnsupported, name, typeName(in))
	}
	return arrow.PrimitiveTypes.Float64, nil
}

// resolveMoment accepts numeric input or an untyped NULL (which Spark casts
// to DOUBLE); the result is DOUBLE.
func resolveMoment(name string, in arrow.DataType) (arrow.DataType, error) {
	if in.ID() == arrow.NULL {
		return arrow.PrimitiveTypes.Float64, nil
	}
	return resolveNumeric(name, in)
}

func checkPercentage(name string, types []arrow.DataType) error {
	if len(types) != 1 || !isNumeric(types[0]) {
		return fmt.Errorf("%w: function %s: the percentage must be a numeric constant, got (%s)", ErrUnsupported, name, typeList(types))
	}
	return nil
}

func checkIgnoreNulls(name string, types []arrow.DataType) error {
	if len(types) == 1 && types[0].ID() != arrow.BOOL {
		return fmt.Errorf("%w: function %s: the ignoreNulls argument must be a boolean constant, got %s", ErrUnsupported, name, typeName(types[0]))
	}
	return nil
}

func typeName(t arrow.DataType) string {
	if t == nil {
		return "<nil>"
	}
	if lt, ok := t.(*arrow.ListType); ok {
		return "array<" + typeName(lt.Elem()) + ">"
	}
	return columnar.TypeName(t)
}

func typeList(ts []arrow.DataType) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = typeName(t)
	}
	return strings.Join(parts, ", ")
}

// grow extends s to n elements, zero-filled.
func grow[T any](s []T, n int) []T {
	if len(s) >= n {
		return s
	}
	if cap(s) >= n {
		old := len(s)
		s = s[:n]
		clear(s[old:])
		return s
	}
	ns := make([]T, n, max(n, 2*cap(s), 8))
	copy(ns, s)
	return ns
}

// errNoPartial is the error of WriteState and Merge on a complete-only
// aggregate.
func errNoPartial(name, op string) error {
	return fmt.Errorf("%w: %s has no partial state (%s): it runs in complete mode only", ErrUnsupported, name, op)
}

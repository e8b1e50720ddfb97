// Package analyzer resolves a parsed SQL statement against the catalog into
// a typed logical plan: it resolves names, types every expression, inserts
// Spark's implicit casts, expands stars, binds aggregates and GROUP BY,
// resolves ORDER BY against the select list, and reports what is wrong with a
// line and column.
package analyzer

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/gluten-go/gluten-go/columnar/rowagg"
	"github.com/gluten-go/gluten-go/columnar/rowexpr"
	"github.com/gluten-go/gluten-go/planner/conf"
	"github.com/gluten-go/gluten-go/planner/logical"
	"github.com/gluten-go/gluten-go/planner/parser"
)

// Error is an analysis error at a source position.
type Error struct {
	Pos parser.Pos
	Msg string
}

// Error renders "analysis error at line L, column C: msg".
func (e *Error) Error() string {
	if e.Pos.IsValid() {
		return fmt.Sprintf("analysis error at line %d, column %d: %s", e.Pos.Line, e.Pos.Col, e.Msg)
	}
	return "analysis error: " + e.Msg
}

func errAt(p parser.Pos, format string, args ...any) error {
	return &Error{Pos: p, Msg: fmt.Sprintf(format, args...)}
}

// ErrUnsupported is wrapped by errors about SQL that gluten-go parses but
// does not run yet.
var ErrUnsupported = errors.New("not supported yet")

func unsupported(p parser.Pos, what string) error {
	return &Error{Pos: p, Msg: what + " is " + ErrUnsupported.Error()}
}

// Catalog resolves table names.
type Catalog interface {
	// Table returns the table of that name (case-insensitive), or false.
	Table(name string) (*logical.Table, bool)
	// TableNames lists the registered tables, for error messages.
	TableNames() []string
	// UDF returns the Go user-defined function of that name, or false.
	UDF(name string) (*rowexpr.UDF, bool)
	// UDAF returns the Go user-defined aggregate of that name, or false.
	UDAF(name string) (*rowagg.UDAF, bool)
}

// Result is an analyzed query.
type Result struct {
	Plan logical.Plan
	// Names are the output column names as the user sees them.
	Names []string
}

// Analyze resolves a query.
func Analyze(q *parser.Query, cat Catalog, cfg *conf.Config) (*Result, error) {
	a := &analyzer{cat: cat, cfg: cfg}
	plan, err := a.query(q, nil)
	if err != nil {
		return nil, err
	}
	out := plan.Output()
	names := make([]string, len(out))
	for i, c := range out {
		names[i] = c.Name
	}
	return &Result{Plan: plan, Names: names}, nil
}

type analyzer struct {
	cat    Catalog
	cfg    *conf.Config
	nextID logical.ColumnID
	// outers are the scopes of the queries enclosing the subquery being
	// analyzed, innermost last: a name a subquery cannot resolve itself
	// resolves there, as a correlated reference.
	outers []*scope
	// pending holds the joins that scalar subqueries of the clause being
	// bound add to its input (see scalarSubquery).
	pending []pendingJoin
	// ctes are the CTEs visible where the analyzer is (subqueries in
	// expressions see them too).
	ctes *cteScopeChain
}

func (a *analyzer) newCol(name string, e logical.Expr) *logical.Column {
	a.nextID++
	return &logical.Column{ID: a.nextID, Name: name, Type: e.Type(), Nullable: e.Nullable()}
}

// cteScope holds the CTEs visible to a query.
type cteScope struct {
	parent *cteScope
	ctes   map[string]*parser.CTE
	// depth guards against a CTE referring to itself.
	active map[string]bool
}

func (s *cteScope) lookup(name string) (*parser.CTE, *cteScope) {
	for c := s; c != nil; c = c.parent {
		if cte, ok := c.ctes[strings.ToLower(name)]; ok {
			return cte, c
		}
	}
	return nil, nil
}

// scopeCol is a column visible in a FROM scope.
type scopeCol struct {
	qualifier string // table name or alias, lower-cased; "" when none
	col       *logical.Column
}

type scope struct {
	cols []scopeCol
}

func (s *scope) columns() []*logical.Column {
	out := make([]*logical.Column, len(s.cols))
	for i, c := range s.cols {
		out[i] = c.col
	}
	return out
}

func (a *analyzer) caseSensitive() bool { return a.cfg.Bool(conf.CaseSensitive) }

func (a *analyzer) sameName(x, y string) bool {
	if a.caseSensitive() {
		return x == y
	}
	return strings.EqualFold(x, y)
}

// resolve finds the column an identifier names in s.
func (a *analyzer) resolve(s *scope, id *parser.Ident) (*logical.Column, error) {
	parts := id.Parts
	name := parts[len(parts)-1]
	qual := ""
	if len(parts) > 1 {
		qual = parts[len(parts)-2]
	}
	var found []scopeCol
	for _, c := range s.cols {
		if !a.sameName(c.col.Name, name) {
			continue
		}
		if qual != "" && !a.sameName(c.qualifier, qual) {
			continue
		}
		found = append(found, c)
	}
	switch len(found) {
	case 1:
		return found[0].col, nil
	case 0:
		return nil, errAt(id.At, "column %s cannot be resolved%s", quoteIdent(parts), a.suggest(s, name))
	}
	names := make([]string, len(found))
	for i, f := range found {
		names[i] = f.qualifier + "." + f.col.Name
	}
	return nil, errAt(id.At, "reference %s is ambiguous, could be: %s", quoteIdent(parts), strings.Join(names, ", "))
}

func quoteIdent(parts []string) string {
	q := make([]string, len(parts))
	for i, p := range parts {
		q[i] = "`" + p + "`"
	}
	return strings.Join(q, ".")
}

func (a *analyzer) suggest(s *scope, name string) string {
	var names []string
	for _, c := range s.cols {
		n := c.col.Name
		if c.qualifier != "" {
			n = c.qualifier + "." + n
		}
		names = append(names, "`"+n+"`")
	}
	if len(names) == 0 {
		return ""
	}
	sort.SliceStable(names, func(i, j int) bool {
		return distance(strings.ToLower(name), strings.ToLower(names[i])) < distance(strings.ToLower(name), strings.ToLower(names[j]))
	})
	if len(names) > 5 {
		names = names[:5]
	}
	return "; did you mean one of [" + strings.Join(names, ", ") + "]?"
}

func distance(a, b string) int {
	if i := strings.LastIndexByte(b, '.'); i >= 0 {
		b = b[i+1:]
	}
	b = strings.Trim(b, "`")
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := 1
			if a[i-1] == b[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

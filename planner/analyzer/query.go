package analyzer

import (
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/gluten-go/gluten-go/columnar"
	"github.com/gluten-go/gluten-go/columnar/expr"
	"github.com/gluten-go/gluten-go/planner/conf"
	"github.com/gluten-go/gluten-go/planner/logical"
	"github.com/gluten-go/gluten-go/planner/parser"
)

// cteDef is a CTE with the scope its query sees (the CTEs before it).
type cteDef struct {
	cte   *parser.CTE
	scope *cteScopeChain
}

type cteScopeChain struct {
	parent *cteScopeChain
	name   string
	def    *cteDef
}

func (c *cteScopeChain) lookup(name string, sameName func(a, b string) bool) *cteDef {
	for s := c; s != nil; s = s.parent {
		if s.def != nil && sameName(s.name, name) {
			return s.def
		}
	}
	return nil
}

func (a *analyzer) query(q *parser.Query, ctes *cteScopeChain) (logical.Plan, error) {
	for i := range q.With {
		cte := &q.With[i]
		for j := 0; j < i; j++ {
			if a.sameName(q.With[j].Name, cte.Name) {
				return nil, errAt(cte.At, "CTE name %s is defined more than once in one WITH clause", cte.Name)
			}
		}
		ctes = &cteScopeChain{parent: ctes, name: cte.Name, def: &cteDef{cte: cte, scope: ctes}}
	}
	savedCTEs := a.ctes
	a.ctes = ctes
	defer func() { a.ctes = savedCTEs }()
	var plan logical.Plan
	var err error
	if sel, ok := q.Body.(*parser.Select); ok {
		plan, err = a.selectBlock(sel, q.OrderBy, ctes)
		if err != nil {
			return nil, err
		}
	} else {
		plan, err = a.setExpr(q.Body, ctes)
		if err != nil {
			return nil, err
		}
		if len(q.OrderBy) > 0 {
			plan, err = a.orderByOutput(plan, q.OrderBy)
			if err != nil {
				return nil, err
			}
		}
	}
	if q.Limit != nil || q.Offset != nil {
		n, err := a.constCount(q.Limit, "LIMIT", -1)
		if err != nil {
			return nil, err
		}
		off, err := a.constCount(q.Offset, "OFFSET", 0)
		if err != nil {
			return nil, err
		}
		if n < 0 && off == 0 {
			return plan, nil
		}
		if n < 0 {
			n = 1<<62 - 1
		}
		plan = &logical.Limit{Input: plan, N: n, Offset: off}
	}
	return plan, nil
}

// constCount evaluates a LIMIT or OFFSET expression; def when e is nil.
func (a *analyzer) constCount(e parser.Expr, what string, def int64) (int64, error) {
	if e == nil {
		return def, nil
	}
	b, err := a.expr(e, &scope{}, nil)
	if err != nil {
		return 0, err
	}
	if !logical.IsConstant(b) || (b.Type().ID() != arrow.INT32 && b.Type().ID() != arrow.INT64) {
		return 0, errAt(e.Pos(), "the %s expression must be an integer constant, got %s", what, e)
	}
	v, err := logical.EvalConstant(b)
	if err != nil {
		return 0, errAt(e.Pos(), "cannot evaluate %s: %v", what, err)
	}
	var n int64
	switch x := v.(type) {
	case int32:
		n = int64(x)
	case int64:
		n = x
	default:
		return 0, errAt(e.Pos(), "the %s expression must not be NULL", what)
	}
	if n < 0 {
		return 0, errAt(e.Pos(), "the %s expression must be non-negative, got %d", what, n)
	}
	return n, nil
}

func (a *analyzer) setExpr(body parser.SetExpr, ctes *cteScopeChain) (logical.Plan, error) {
	switch b := body.(type) {
	case *parser.Select:
		return a.selectBlock(b, nil, ctes)
	case *parser.ParenQuery:
		return a.query(b.Query, ctes)
	case *parser.SetOp:
		if b.Op != parser.SetUnion {
			name := "INTERSECT"
			if b.Op == parser.SetExcept {
				name = "EXCEPT"
			}
			return nil, unsupported(b.At, name)
		}
		var inputs []logical.Plan
		var collect func(e parser.SetExpr) error
		collect = func(e parser.SetExpr) error {
			if op, ok := e.(*parser.SetOp); ok && op.Op == parser.SetUnion && op.All == b.All {
				if err := collect(op.Left); err != nil {
					return err
				}
				return collect(op.Right)
			}
			p, err := a.setExpr(e, ctes)
			if err != nil {
				return err
			}
			inputs = append(inputs, p)
			return nil
		}
		if err := collect(b); err != nil {
			return nil, err
		}
		u, err := a.union(b.At, inputs)
		if err != nil {
			return nil, err
		}
		if !b.All {
			return a.distinct(u), nil
		}
		return u, nil
	case *parser.Values:
		return nil, unsupported(b.At, "VALUES")
	}
	return nil, errAt(body.Pos(), "unexpected query body")
}

// union combines inputs into a UNION ALL, widening column types.
func (a *analyzer) union(at parser.Pos, inputs []logical.Plan) (logical.Plan, error) {
	first := inputs[0].Output()
	types := make([]arrow.DataType, len(first))
	for i, c := range first {
		types[i] = c.Type
	}
	for k, in := range inputs[1:] {
		out := in.Output()
		if len(out) != len(first) {
			return nil, errAt(at, "UNION can only be performed on inputs with the same number of columns, but input %d has %d columns and input 1 has %d", k+2, len(out), len(first))
		}
		for i, c := range out {
			t, ok := expr.WiderType(types[i], c.Type)
			if !ok {
				return nil, errAt(at, "UNION column %d has incompatible types %s and %s", i+1, columnar.TypeName(types[i]), columnar.TypeName(c.Type))
			}
			types[i] = t
		}
	}
	for i, t := range types {
		if t.ID() == arrow.NULL {
			types[i] = columnar.String // an all-NULL column: Spark would say void; string is printable
		}
	}
	cols := make([]*logical.Column, len(first))
	for i, c := range first {
		a.nextID++
		cols[i] = &logical.Column{ID: a.nextID, Name: c.Name, Type: types[i]}
	}
	for k, in := range inputs {
		out := in.Output()
		needCast := false
		for i, c := range out {
			if c.Nullable {
				cols[i].Nullable = true
			}
			if !arrow.TypeEqual(c.Type, types[i]) {
				needCast = true
			}
		}
		if needCast {
			exprs := make([]logical.Expr, len(out))
			pc := make([]*logical.Column, len(out))
			for i, c := range out {
				e := logical.Expr(logical.Ref(c))
				if !arrow.TypeEqual(c.Type, types[i]) {
					var err error
					e, err = castTo(e, types[i], at)
					if err != nil {
						return nil, err
					}
				}
				exprs[i] = e
				pc[i] = a.newCol(c.Name, e)
			}
			inputs[k] = &logical.Project{Input: in, Exprs: exprs, Cols: pc}
		}
	}
	return &logical.Union{Inputs: inputs, Cols: cols}, nil
}

// distinct groups a plan by all its columns.
func (a *analyzer) distinct(p logical.Plan) logical.Plan {
	out := p.Output()
	groups := make([]logical.Expr, len(out))
	cols := make([]*logical.Column, len(out))
	for i, c := range out {
		groups[i] = logical.Ref(c)
		cols[i] = a.newCol(c.Name, groups[i])
	}
	return &logical.Aggregate{Input: p, Groups: groups, GroupCols: cols}
}

// orderByOutput sorts a plan by its output columns (ORDER BY after a set
// operation: ordinals and output names only).
func (a *analyzer) orderByOutput(p logical.Plan, items []parser.OrderItem) (logical.Plan, error) {
	out := p.Output()
	s := &scope{}
	for _, c := range out {
		s.cols = append(s.cols, scopeCol{col: c})
	}
	var keys []logical.SortKey
	for _, it := range items {
		col, err := a.outputRef(it.Expr, out, nil, true)
		if err != nil {
			return nil, err
		}
		if col == nil {
			e, err := a.expr(it.Expr, s, nil)
			if err != nil {
				return nil, err
			}
			r, ok := e.(*logical.ColumnRef)
			if !ok {
				return nil, errAt(it.At, "ORDER BY after a set operation can only name output columns")
			}
			col = r.Col
		}
		keys = append(keys, sortKey(col, it))
	}
	return &logical.Sort{Input: p, Keys: keys}, nil
}

func sortKey(c *logical.Column, it parser.OrderItem) logical.SortKey {
	nf := !it.Desc
	if it.NullsFirst != nil {
		nf = *it.NullsFirst
	}
	return logical.SortKey{Col: c, Desc: it.Desc, NullsFirst: nf}
}

// outputRef resolves an ORDER BY or GROUP BY item that names an output
// column: an ordinal (when allowed) or an alias. It returns nil when the
// item is neither.
func (a *analyzer) outputRef(e parser.Expr, out []*logical.Column, aliases []string, ordinals bool) (*logical.Column, error) {
	if lit, ok := e.(*parser.Literal); ok && ordinals && (lit.Kind == parser.LitInt || lit.Kind == parser.LitBigInt) {
		var n int64
		switch v := lit.Value.(type) {
		case int32:
			n = int64(v)
		case int64:
			n = v
		}
		if n < 1 || n > int64(len(out)) {
			return nil, errAt(lit.At, "ORDER BY position %d is not in select list (valid range is [1, %d])", n, len(out))
		}
		return out[n-1], nil
	}
	if id, ok := e.(*parser.Ident); ok && len(id.Parts) == 1 {
		var found *logical.Column
		for i, c := range out {
			name := c.Name
			if aliases != nil {
				name = aliases[i]
				if name == "" {
					continue
				}
			}
			if a.sameName(name, id.Parts[0]) {
				if found != nil && found.ID != c.ID {
					return nil, errAt(id.At, "ORDER BY reference %s is ambiguous", quoteIdent(id.Parts))
				}
				found = c
			}
		}
		return found, nil
	}
	return nil, nil
}

// fromItem binds one FROM item and returns its plan and scope.
func (a *analyzer) fromItem(t parser.TableExpr, ctes *cteScopeChain) (logical.Plan, *scope, error) {
	switch x := t.(type) {
	case *parser.TableName:
		name := x.Parts[len(x.Parts)-1]
		qual := strings.ToLower(name)
		if x.Alias != "" {
			qual = x.Alias
		}
		var plan logical.Plan
		if def := ctes.lookup(name, a.sameName); def != nil && len(x.Parts) == 1 {
			p, err := a.query(def.cte.Query, def.scope)
			if err != nil {
				return nil, nil, err
			}
			if len(def.cte.Columns) > 0 {
				p, err = a.rename(p, def.cte.Columns, def.cte.At)
				if err != nil {
					return nil, nil, err
				}
			}
			plan = p
		} else {
			if len(x.Parts) > 2 {
				return nil, nil, errAt(x.At, "table name %s has too many parts", quoteIdent(x.Parts))
			}
			if len(x.Parts) == 2 && !strings.EqualFold(x.Parts[0], "default") {
				return nil, nil, errAt(x.At, "database %s does not exist (gluten-go has only the database `default`)", quoteIdent(x.Parts[:1]))
			}
			tbl, ok := a.cat.Table(name)
			if !ok {
				msg := "table or view " + quoteIdent(x.Parts) + " cannot be found"
				if names := a.cat.TableNames(); len(names) > 0 {
					msg += "; registered tables: " + strings.Join(names, ", ")
				} else {
					msg += "; no table is registered (use --table NAME=PATH or --data DIR)"
				}
				return nil, nil, errAt(x.At, "%s", msg)
			}
			schema := tbl.Source.Schema()
			scan := &logical.Scan{Table: tbl}
			for i, f := range schema.Fields() {
				a.nextID++
				scan.Cols = append(scan.Cols, &logical.Column{ID: a.nextID, Name: f.Name, Type: f.Type, Nullable: f.Nullable})
				scan.Indices = append(scan.Indices, i)
			}
			plan = scan
		}
		if len(x.Columns) > 0 {
			var err error
			if plan, err = a.rename(plan, x.Columns, x.At); err != nil {
				return nil, nil, err
			}
		}
		return plan, scopeOf(plan, qual), nil
	case *parser.SubqueryTable:
		p, err := a.query(x.Query, ctes)
		if err != nil {
			return nil, nil, err
		}
		if len(x.Columns) > 0 {
			if p, err = a.rename(p, x.Columns, x.At); err != nil {
				return nil, nil, err
			}
		}
		return p, scopeOf(p, x.Alias), nil
	case *parser.Join:
		return a.joinItem(x, ctes)
	case *parser.Values:
		return nil, nil, unsupported(x.At, "VALUES")
	}
	return nil, nil, errAt(t.Pos(), "unexpected FROM item")
}

func scopeOf(p logical.Plan, qual string) *scope {
	s := &scope{}
	for _, c := range p.Output() {
		s.cols = append(s.cols, scopeCol{qualifier: qual, col: c})
	}
	return s
}

// rename gives a plan's columns new names.
func (a *analyzer) rename(p logical.Plan, names []string, at parser.Pos) (logical.Plan, error) {
	out := p.Output()
	if len(names) != len(out) {
		return nil, errAt(at, "%d column aliases given for %d columns", len(names), len(out))
	}
	exprs := make([]logical.Expr, len(out))
	cols := make([]*logical.Column, len(out))
	for i, c := range out {
		exprs[i] = logical.Ref(c)
		cols[i] = a.newCol(names[i], exprs[i])
	}
	return &logical.Project{Input: p, Exprs: exprs, Cols: cols}, nil
}

// selItem is one select-list entry after star expansion.
type selItem struct {
	at    parser.Pos
	ast   parser.Expr     // nil for a star-expanded column
	col   *logical.Column // the star-expanded column
	alias string          // explicit alias, "" if none
}

func (a *analyzer) expandItems(sel *parser.Select, s *scope) ([]selItem, error) {
	var items []selItem
	for _, it := range sel.Items {
		if !it.Star {
			items = append(items, selItem{at: it.At, ast: it.Expr, alias: it.Alias})
			continue
		}
		n := 0
		for _, c := range s.cols {
			if len(it.Qualifier) > 0 && !a.sameName(c.qualifier, it.Qualifier[len(it.Qualifier)-1]) {
				continue
			}
			items = append(items, selItem{at: it.At, col: c.col})
			n++
		}
		if n == 0 && len(it.Qualifier) > 0 {
			return nil, errAt(it.At, "cannot resolve %s.* given input columns", quoteIdent(it.Qualifier))
		}
	}
	return items, nil
}

// selectBlock binds a SELECT with the query's ORDER BY.
func (a *analyzer) selectBlock(sel *parser.Select, orderBy []parser.OrderItem, ctes *cteScopeChain) (logical.Plan, error) {
	var plan logical.Plan
	s := &scope{}
	if len(sel.From) == 0 {
		plan = &logical.OneRow{}
	}
	// A comma-separated FROM list is a chain of cross joins; the optimizer
	// turns WHERE's equalities into join conditions and orders the joins.
	for i, item := range sel.From {
		p, sc, err := a.fromItem(item, ctes)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			plan, s = p, sc
			continue
		}
		plan = &logical.Join{Left: plan, Right: p, Type: logical.InnerJoin}
		s = &scope{cols: append(append([]scopeCol{}, s.cols...), sc.cols...)}
	}
	if sel.Where != nil {
		// Subquery predicates become joins; scalar subqueries add their
		// joins below the filter.
		var conds []logical.Expr
		for _, c := range astConjuncts(sel.Where) {
			np, ok, err := a.subqueryConjunct(plan, s, c)
			if err != nil {
				return nil, err
			}
			if ok {
				plan = np
				continue
			}
			cond, err := a.predicate(c, s, nil, "WHERE")
			if err != nil {
				return nil, err
			}
			plan = a.applyPending(plan)
			conds = append(conds, cond)
		}
		if len(conds) > 0 {
			plan = &logical.Filter{Input: plan, Cond: logical.AndAll(conds)}
		}
	}
	items, err := a.expandItems(sel, s)
	if err != nil {
		return nil, err
	}
	aggregating := len(sel.GroupBy) > 0 || (sel.Having != nil)
	for _, it := range items {
		if it.ast != nil && a.hasAggregate(it.ast) {
			aggregating = true
		}
	}
	for _, o := range orderBy {
		if a.hasAggregate(o.Expr) {
			aggregating = true
		}
	}
	var ag *aggState
	if aggregating {
		ag = &aggState{}
		if err := a.bindGroupBy(sel, items, s, ag); err != nil {
			return nil, err
		}
	}
	// The select list.
	var exprs []logical.Expr
	var cols []*logical.Column
	aliases := make([]string, len(items))
	for i, it := range items {
		var e logical.Expr
		var name string
		if it.ast == nil {
			e = logical.Ref(it.col)
			name = it.col.Name
		} else {
			var err error
			e, err = a.expr(it.ast, s, ag)
			if err != nil {
				return nil, err
			}
			if ag != nil {
				for _, pj := range a.pending {
					ag.allow(pj.cols)
				}
			}
			name = it.alias
			if name == "" {
				name = autoName(it.ast, e)
			}
		}
		if ag != nil {
			var err error
			if e, err = ag.finish(e, it.at); err != nil {
				return nil, err
			}
		}
		aliases[i] = it.alias
		if it.alias == "" && it.ast != nil {
			if _, isIdent := it.ast.(*parser.Ident); isIdent {
				aliases[i] = name
			}
		}
		if it.ast == nil {
			aliases[i] = name
		}
		exprs = append(exprs, e)
		if r, ok := e.(*logical.ColumnRef); ok && r.Col.Name == name {
			cols = append(cols, r.Col)
		} else {
			cols = append(cols, a.newCol(name, e))
		}
	}
	selectPending := a.pending
	a.pending = nil
	var having logical.Expr
	var havingPending []pendingJoin
	if sel.Having != nil {
		if ag == nil {
			ag = &aggState{}
		}
		h, err := a.predicate(a.withAliases(sel.Having, s, items), s, ag, "HAVING")
		if err != nil {
			return nil, err
		}
		havingPending = a.pending
		a.pending = nil
		for _, pj := range havingPending {
			ag.allow(pj.cols)
		}
		if having, err = ag.finish(h, sel.Having.Pos()); err != nil {
			return nil, err
		}
	}
	// ORDER BY: output columns first (ordinals, aliases), then expressions
	// over the input, carried as hidden columns.
	var keys []logical.SortKey
	var hidden []logical.Expr
	var hiddenCols []*logical.Column
	for _, o := range orderBy {
		col, err := a.outputRef(o.Expr, cols, aliases, a.cfg.Bool(conf.OrderByOrdinal))
		if err != nil {
			return nil, err
		}
		if col == nil {
			e, err := a.expr(a.withAliases(o.Expr, s, items), s, ag)
			if err != nil {
				return nil, err
			}
			if ag != nil {
				for _, pj := range a.pending {
					ag.allow(pj.cols)
				}
			}
			if ag != nil {
				if e, err = ag.finish(e, o.At); err != nil {
					return nil, err
				}
			}
			for i, x := range exprs {
				if logical.Equal(x, e) {
					col = cols[i]
					break
				}
			}
			if col == nil {
				if sel.Distinct {
					return nil, errAt(o.At, "ORDER BY expression %s must appear in the select list of a SELECT DISTINCT", o.Expr)
				}
				for i, x := range hidden {
					if logical.Equal(x, e) {
						col = hiddenCols[i]
					}
				}
				if col == nil {
					col = a.newCol(autoName(o.Expr, e), e)
					hidden = append(hidden, e)
					hiddenCols = append(hiddenCols, col)
				}
			}
		}
		keys = append(keys, sortKey(col, o))
	}
	selectPending = append(selectPending, a.pending...)
	a.pending = nil
	if ag != nil {
		plan = ag.plan(a, plan)
		a.pending = havingPending
		plan = a.applyPending(plan)
		if having != nil {
			plan = &logical.Filter{Input: plan, Cond: having}
		}
	}
	// Scalar subqueries of the select list and ORDER BY join last.
	a.pending = selectPending
	plan = a.applyPending(plan)
	plan = &logical.Project{Input: plan, Exprs: append(append([]logical.Expr{}, exprs...), hidden...), Cols: append(append([]*logical.Column{}, cols...), hiddenCols...)}
	if sel.Distinct {
		plan = a.distinctKeep(plan, cols)
		// keys refer to cols, which distinctKeep maps to new columns.
		d := plan.(*logical.Aggregate)
		for i := range keys {
			for j, c := range cols {
				if keys[i].Col.ID == c.ID {
					keys[i].Col = d.GroupCols[j]
				}
			}
		}
	}
	if len(keys) > 0 {
		plan = &logical.Sort{Input: plan, Keys: keys}
	}
	if len(hidden) > 0 {
		out := plan.Output()[:len(cols)]
		re := make([]logical.Expr, len(out))
		for i, c := range out {
			re[i] = logical.Ref(c)
		}
		plan = &logical.Project{Input: plan, Exprs: re, Cols: out}
	}
	return plan, nil
}

// distinctKeep is distinct over cols (keeping their names).
func (a *analyzer) distinctKeep(p logical.Plan, cols []*logical.Column) logical.Plan {
	groups := make([]logical.Expr, len(cols))
	gcols := make([]*logical.Column, len(cols))
	for i, c := range cols {
		groups[i] = logical.Ref(c)
		gcols[i] = a.newCol(c.Name, groups[i])
	}
	return &logical.Aggregate{Input: p, Groups: groups, GroupCols: gcols}
}

// bindGroupBy binds the GROUP BY items, resolving ordinals and select-list
// aliases as Spark does.
func (a *analyzer) bindGroupBy(sel *parser.Select, items []selItem, s *scope, ag *aggState) error {
	for _, g := range sel.GroupBy {
		target := g
		if lit, ok := g.(*parser.Literal); ok && (lit.Kind == parser.LitInt || lit.Kind == parser.LitBigInt) && a.cfg.Bool(conf.GroupByOrdinal) {
			var n int64
			switch v := lit.Value.(type) {
			case int32:
				n = int64(v)
			case int64:
				n = v
			}
			if n < 1 || n > int64(len(items)) {
				return errAt(lit.At, "GROUP BY position %d is not in select list (valid range is [1, %d])", n, len(items))
			}
			it := items[n-1]
			if it.ast == nil {
				ag.addGroup(a, logical.Ref(it.col))
				continue
			}
			if a.hasAggregate(it.ast) {
				return errAt(lit.At, "GROUP BY position %d refers to an expression with an aggregate function: %s", n, it.ast)
			}
			target = it.ast
		} else if id, ok := g.(*parser.Ident); ok && len(id.Parts) == 1 && a.cfg.Bool(conf.GroupByAliases) {
			if _, err := a.resolve(s, id); err != nil {
				for _, it := range items {
					if it.ast != nil && it.alias != "" && a.sameName(it.alias, id.Parts[0]) {
						if a.hasAggregate(it.ast) {
							return errAt(id.At, "GROUP BY alias %s refers to an expression with an aggregate function", id.Parts[0])
						}
						target = it.ast
						break
					}
				}
			}
		}
		if a.hasAggregate(target) {
			return errAt(g.Pos(), "aggregate functions are not allowed in GROUP BY, but found %s", target)
		}
		e, err := a.expr(target, s, nil)
		if err != nil {
			return err
		}
		ag.addGroup(a, e)
	}
	return nil
}

// predicate binds a boolean condition.
func (a *analyzer) predicate(e parser.Expr, s *scope, ag *aggState, clause string) (logical.Expr, error) {
	if ag == nil && a.hasAggregate(e) {
		return nil, errAt(e.Pos(), "aggregate functions are not allowed in %s", clause)
	}
	b, err := a.expr(e, s, ag)
	if err != nil {
		return nil, err
	}
	switch b.Type().ID() {
	case arrow.BOOL:
		return b, nil
	case arrow.NULL:
		return logical.Lit(nil, columnar.Boolean), nil
	}
	return nil, errAt(e.Pos(), "%s condition must be boolean, but %s is %s", clause, e, columnar.TypeName(b.Type()))
}

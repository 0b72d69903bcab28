//! `SELECT` statements to logical plans: the same plans the DataFrame API builds.

use crate::session::Session;
use sluice_core::eval::cast_value_in;
use sluice_core::expr::{AggFunc, Expr, Over};
use sluice_core::plan::{analyze, JoinCondition, JoinType, LogicalPlan, SortOrder, SourceSpec};
use sluice_core::sql::{convert_expr, dialect};
use sluice_core::{DataType, Field, Options, Result, Row, Schema, SluiceError, Value};
use sqlparser::ast::{
    self, GroupByExpr, LimitClause, OrderByKind, OrderBySort, SelectItem, SetExpr, Statement, TableFactor,
};
use sqlparser::parser::Parser;
use std::sync::Arc;

/// Parses one `SELECT` statement and plans it against the session's tables.
pub(crate) fn plan_query(session: &Session, text: &str, streaming: bool) -> Result<LogicalPlan> {
    let text = &sluice_core::sql::spark_text(text);
    let statements =
        Parser::parse_sql(&dialect(), text).map_err(|e| SluiceError::Parse(format!("{e} in: {text}")))?;
    match statements.as_slice() {
        [Statement::Query(q)] => plan_select(session, q, streaming),
        [_] => Err(SluiceError::Parse(format!("only SELECT queries can be run with sql(), got: {text}"))),
        _ => Err(SluiceError::Parse(format!(
            "expected exactly one statement, got {}: {text}",
            statements.len()
        ))),
    }
}

/// Parses a select item as `select_expr` takes it: an expression with an optional alias.
pub(crate) fn parse_select_item(text: &str) -> Result<Expr> {
    let dialect = dialect();
    let mut parser = Parser::new(&dialect)
        .try_with_sql(text)
        .map_err(|e| SluiceError::Parse(format!("{e} in: {text}")))?;
    let item = parser.parse_select_item().map_err(|e| SluiceError::Parse(format!("{e} in: {text}")))?;
    select_item(&item)
}

fn select_item(item: &SelectItem) -> Result<Expr> {
    Ok(match item {
        SelectItem::UnnamedExpr(e) => convert_expr(e)?,
        SelectItem::ExprWithAlias { expr, alias } => convert_expr(expr)?.alias(&alias.value),
        SelectItem::Wildcard(_) => Expr::Star(None),
        SelectItem::QualifiedWildcard(ast::SelectItemQualifiedWildcardKind::ObjectName(name), _) => {
            let parts: Vec<String> =
                name.0.iter().filter_map(|p| p.as_ident().map(|i| i.value.clone())).collect();
            Expr::Star(parts.last().cloned())
        }
        other => return Err(SluiceError::Parse(format!("unsupported select item: {other}"))),
    })
}

/// Plans a parsed query (also used for `INSERT INTO .. SELECT`).
pub(crate) fn plan_select(session: &Session, q: &ast::Query, streaming: bool) -> Result<LogicalPlan> {
    // Uncorrelated subqueries in expressions run while planning, as batch queries.
    let owner = session.clone();
    let runner: sluice_core::sql::SubqueryRunner = std::rc::Rc::new(move |sub: &ast::Query| {
        if streaming {
            return Err(SluiceError::analysis(format!(
                "subqueries in expressions of a streaming query are not supported (in `({sub})`)"
            )));
        }
        run_subquery(&owner, sub)
    });
    // Constants (VALUES rows) are evaluated while planning, in the session's zone.
    sluice_core::sql::with_subquery_runner(runner, || {
        session.with_zone(|| Planner { session, streaming, ctes: Vec::new() }.query(q))
    })
}

/// An uncorrelated subquery run as a batch query over the session's tables: its columns'
/// types and rows. A subquery that names a column of the outer query (a correlated one)
/// fails to plan alone; the error says so.
fn run_subquery(session: &Session, q: &ast::Query) -> Result<(Vec<DataType>, Vec<Row>)> {
    let ran = plan_select(session, q, false).and_then(|plan| {
        let df = crate::dataframe::DataFrame::from_plan(session.clone(), plan)?;
        let types = df.schema()?.fields.iter().map(|f| f.data_type.clone()).collect();
        Ok((types, df.collect()?))
    });
    ran.map_err(|e| {
        SluiceError::analysis(format!(
            "in the subquery `({q})` (Sluice runs uncorrelated subqueries only, once, before the query): {e}"
        ))
    })
}

/// Plans queries against the session's tables and the `WITH` clauses in scope.
struct Planner<'a> {
    session: &'a Session,
    streaming: bool,
    /// Common table expressions in scope, innermost last.
    ctes: Vec<(String, Arc<LogicalPlan>)>,
}

impl Planner<'_> {
    fn query(&mut self, q: &ast::Query) -> Result<LogicalPlan> {
        let scope = self.ctes.len();
        if let Some(with) = &q.with {
            if with.recursive {
                return Err(SluiceError::Parse("WITH RECURSIVE is not supported".into()));
            }
            for cte in &with.cte_tables {
                let plan = self.query(&cte.query)?;
                let plan = rename_columns(plan, &cte.alias)?;
                self.ctes.push((cte.alias.name.value.clone(), Arc::new(plan)));
            }
        }
        let planned = self.query_body(q);
        self.ctes.truncate(scope);
        planned
    }

    fn set_expr(&mut self, body: &SetExpr) -> Result<LogicalPlan> {
        match body {
            SetExpr::Select(s) => self.select(s),
            SetExpr::Query(q) => self.query(q),
            SetExpr::Values(v) => inline_table(v),
            SetExpr::SetOperation { op: ast::SetOperator::Union, set_quantifier, left, right } => {
                // `UNION` is `UNION DISTINCT`: the rows of both, each once (a DISTINCT over
                // the UNION ALL, as Spark plans it).
                let distinct = match set_quantifier {
                    ast::SetQuantifier::All => false,
                    ast::SetQuantifier::None | ast::SetQuantifier::Distinct => true,
                    other => {
                        return Err(SluiceError::Parse(format!(
                            "UNION {other} is not supported (UNION and UNION ALL are)"
                        )))
                    }
                };
                let mut inputs = Vec::new();
                for side in [left, right] {
                    match self.set_expr(side)? {
                        LogicalPlan::Union { inputs: more } => inputs.extend(more),
                        other => inputs.push(Arc::new(other)),
                    }
                }
                let union = LogicalPlan::Union { inputs };
                Ok(if distinct { LogicalPlan::Distinct { input: Arc::new(union) } } else { union })
            }
            other => Err(SluiceError::Parse(format!("unsupported query form: {other}"))),
        }
    }

    /// A FROM item: a table, view, CTE, subquery or inline table, with its alias.
    fn factor(&mut self, factor: &TableFactor) -> Result<LogicalPlan> {
        match factor {
            TableFactor::Table { name, alias, args: Some(args), .. }
                if name.to_string().eq_ignore_ascii_case("range") =>
            {
                let plan = range_table(&args.args)?;
                match alias {
                    Some(a) => aliased(plan, a),
                    None => Ok(plan),
                }
            }
            TableFactor::Table { name, alias, .. } => {
                let parts: Vec<String> =
                    name.0.iter().filter_map(|p| p.as_ident().map(|i| i.value.clone())).collect();
                let table = parts.last().cloned().unwrap_or_default();
                let cte =
                    self.ctes.iter().rev().find(|(n, _)| parts.len() == 1 && n.eq_ignore_ascii_case(&table));
                let plan = match cte {
                    Some((_, plan)) => (**plan).clone(),
                    None => self.session.table_plan(&table, self.streaming)?,
                };
                match alias {
                    Some(a) => aliased(plan, a),
                    None => Ok(LogicalPlan::SubqueryAlias { input: Arc::new(plan), alias: table }),
                }
            }
            TableFactor::Derived { subquery, alias, .. } => {
                let plan = self.query(subquery)?;
                match alias {
                    Some(a) => aliased(plan, a),
                    None => Ok(plan),
                }
            }
            TableFactor::NestedJoin { table_with_joins, alias } => {
                let plan = self.joined(table_with_joins)?;
                match alias {
                    Some(a) => aliased(plan, a),
                    None => Ok(plan),
                }
            }
            other => Err(SluiceError::Parse(format!("unsupported FROM item: {other}"))),
        }
    }

    /// A FROM item with its `JOIN`s.
    fn joined(&mut self, t: &ast::TableWithJoins) -> Result<LogicalPlan> {
        let mut plan = self.factor(&t.relation)?;
        for j in &t.joins {
            use ast::JoinOperator as J;
            let right = self.factor(&j.relation)?;
            let (kind, constraint) = match &j.join_operator {
                J::Join(c) | J::Inner(c) => (JoinType::Inner, c),
                J::Left(c) | J::LeftOuter(c) => (JoinType::LeftOuter, c),
                J::Right(c) | J::RightOuter(c) => (JoinType::RightOuter, c),
                J::FullOuter(c) => (JoinType::FullOuter, c),
                J::CrossJoin(c) => (JoinType::Cross, c),
                J::Semi(c) | J::LeftSemi(c) => (JoinType::LeftSemi, c),
                J::Anti(c) | J::LeftAnti(c) => (JoinType::LeftAnti, c),
                other => return Err(SluiceError::Parse(format!("unsupported join: {other:?}"))),
            };
            let condition = match constraint {
                ast::JoinConstraint::On(e) => JoinCondition::On(convert_expr(e)?),
                ast::JoinConstraint::Using(names) => JoinCondition::Using(
                    names
                        .iter()
                        .map(|n| {
                            n.0.iter()
                                .filter_map(|p| p.as_ident().map(|i| i.value.clone()))
                                .collect::<Vec<_>>()
                                .join(".")
                        })
                        .collect(),
                ),
                ast::JoinConstraint::None => JoinCondition::None,
                other => return Err(SluiceError::Parse(format!("unsupported join constraint: {other:?}"))),
            };
            if kind != JoinType::Cross && condition == JoinCondition::None && !matches!(kind, JoinType::Inner)
            {
                return Err(SluiceError::Parse(format!("a {} join needs ON or USING", kind.spark_name())));
            }
            plan = LogicalPlan::Join { left: Arc::new(plan), right: Arc::new(right), kind, condition };
        }
        Ok(plan)
    }

    fn query_body(&mut self, q: &ast::Query) -> Result<LogicalPlan> {
        let select = match q.body.as_ref() {
            SetExpr::Select(s) => s,
            other => {
                let plan = self.set_expr(other)?;
                return order_and_limit(plan, q);
            }
        };
        let plan = self.select(select)?;
        order_and_limit(plan, q)
    }

    fn select(&mut self, select: &ast::Select) -> Result<LogicalPlan> {
        let mut where_clause = select.selection.as_ref().map(convert_expr).transpose()?;
        let mut plan = match select.from.as_slice() {
            // `SELECT 1 + 2`: Spark's one-row relation with no columns.
            [] => LogicalPlan::Source(Arc::new(SourceSpec {
                description: "OneRowRelation".into(),
                connector: "memory".into(),
                path: None,
                rows: Some(Arc::new(vec![Vec::new()])),
                schema: Schema::default(),
                options: Options::new(),
                streaming: false,
            })),
            [first, more @ ..] => {
                let mut plan = self.joined(first)?;
                for (i, t) in more.iter().enumerate() {
                    let right = self.joined(t)?;
                    // `FROM a, b WHERE ..`: the WHERE becomes the condition of the last
                    // comma join, so its equalities key the join instead of filtering a
                    // cross product (the same rows for an inner join).
                    let condition = match (i + 1 == more.len(), where_clause.take()) {
                        (true, Some(w)) => JoinCondition::On(w),
                        (_, w) => {
                            where_clause = w;
                            JoinCondition::None
                        }
                    };
                    let kind =
                        if condition == JoinCondition::None { JoinType::Cross } else { JoinType::Inner };
                    plan =
                        LogicalPlan::Join { left: Arc::new(plan), right: Arc::new(right), kind, condition };
                }
                plan
            }
        };
        // `LATERAL VIEW [OUTER] explode(tags) t AS tag`: the generated columns join the
        // FROM rows before WHERE reads them.
        for view in &select.lateral_views {
            let generator = convert_expr(&view.lateral_view)?;
            if sluice_core::plan::generator_call(&generator).is_none() {
                return Err(SluiceError::analysis(format!(
                    "LATERAL VIEW needs a generator ({}), got: {}",
                    sluice_core::plan::GENERATORS.join(", "),
                    view.lateral_view
                )));
            }
            let qualifier =
                view.lateral_view_name.0.last().and_then(|p| p.as_ident()).map(|i| i.value.clone());
            plan = LogicalPlan::Generate {
                input: Arc::new(plan),
                generator,
                outer: view.outer,
                qualifier,
                names: view.lateral_col_alias.iter().map(|i| i.value.clone()).collect(),
            };
        }
        if let Some(w) = where_clause {
            plan = LogicalPlan::Filter { input: Arc::new(plan), predicate: w };
        }
        let items: Vec<Expr> = select.projection.iter().map(select_item).collect::<Result<_>>()?;
        let (group, sets) = match &select.group_by {
            GroupByExpr::Expressions(es, modifiers) => group_by_sets(es, modifiers)?,
            GroupByExpr::All(_) => return Err(SluiceError::Parse("GROUP BY ALL is not supported".into())),
        };
        let having = select.having.as_ref().map(convert_expr).transpose()?;
        let aggregating = !group.is_empty()
            || sets.is_some()
            || having.is_some()
            || items.iter().any(Expr::contains_aggregate);
        if aggregating {
            // GROUP BY 1: ordinal positions refer to select items.
            let group: Vec<Expr> = group
                .into_iter()
                .map(|g| match g {
                    Expr::Literal(Value::Int(n)) if n >= 1 && (n as usize) <= items.len() => {
                        items[n as usize - 1].unaliased().clone()
                    }
                    other => other,
                })
                .collect();
            // Window calls beside GROUP BY: a projection over the aggregation computes them.
            let has_window = items.iter().any(|e| {
                let mut found = false;
                e.visit(&mut |n| found |= matches!(n, Expr::Over { .. }));
                found
            });
            let (items, windows) = if has_window {
                let (inner, outer) = split_windowed_aggregate(&group, items);
                (inner, Some(outer))
            } else {
                (items, None)
            };
            plan = match sets {
                Some(sets) => {
                    LogicalPlan::GroupingSets { input: Arc::new(plan), group, sets, output: items, having }
                }
                None => LogicalPlan::Aggregate { input: Arc::new(plan), group, output: items, having },
            };
            if let Some(exprs) = windows {
                plan = LogicalPlan::Project { input: Arc::new(plan), exprs };
            }
        } else {
            plan = LogicalPlan::Project { input: Arc::new(plan), exprs: items };
        }
        if matches!(select.distinct, Some(ast::Distinct::Distinct)) {
            // An aggregation grouping by every selected column, as Spark plans DISTINCT.
            plan = LogicalPlan::Distinct { input: Arc::new(plan) };
        }
        Ok(plan)
    }
}

/// `ORDER BY` and `LIMIT` of a query, over its planned body.
fn order_and_limit(mut plan: LogicalPlan, q: &ast::Query) -> Result<LogicalPlan> {
    if let Some(order) = &q.order_by {
        let keys = match &order.kind {
            OrderByKind::Expressions(es) => es,
            OrderByKind::All(_) => return Err(SluiceError::Parse("ORDER BY ALL is not supported".into())),
        };
        let mut sort = Vec::new();
        for k in keys {
            let e = convert_expr(&k.expr)?;
            let asc = !matches!(k.options.sort, Some(OrderBySort::Desc));
            let mut o = if asc { SortOrder::asc(e) } else { SortOrder::desc(e) };
            if let Some(nf) = k.options.nulls_first {
                o.nulls_first = nf;
            }
            sort.push(o);
        }
        plan = LogicalPlan::Sort { input: Arc::new(plan), order: sort };
    }
    if let Some(limit) = &q.limit_clause {
        let n = match limit {
            LimitClause::LimitOffset { limit: Some(e), offset: None, .. } => e,
            LimitClause::LimitOffset { limit: None, offset: None, .. } => return Ok(plan),
            _ => return Err(SluiceError::Parse("OFFSET is not supported".into())),
        };
        let n = match convert_expr(n)? {
            Expr::Literal(v) => v.as_i64().filter(|n| *n >= 0),
            _ => None,
        }
        .ok_or_else(|| SluiceError::Parse(format!("LIMIT takes a non-negative integer, got {n}")))?;
        plan = LogicalPlan::Limit { input: Arc::new(plan), n: n as usize };
    }
    Ok(plan)
}

/// Grouping keys, and grouping sets as indices into them.
type GroupBy = (Vec<Expr>, Option<Vec<Vec<usize>>>);

/// `GROUP BY` items: plain keys, or grouping sets when some item is `CUBE(..)`, `ROLLUP(..)`,
/// `GROUPING SETS (..)` (or `WITH CUBE` / `WITH ROLLUP`): each item gives a list of sets and
/// the items combine as a cross product, as in Spark SQL. Returns every distinct key and
/// the sets as indices into them.
fn group_by_sets(items: &[ast::Expr], modifiers: &[ast::GroupByWithModifier]) -> Result<GroupBy> {
    use sluice_core::grouping::{cube_sets, rollup_sets};
    let mut keys: Vec<Expr> = Vec::new();
    let mut index = |e: &ast::Expr| -> Result<usize> {
        let e = convert_expr(e)?;
        let norm = e.normalized();
        Ok(match keys.iter().position(|k| k.normalized() == norm) {
            Some(i) => i,
            None => {
                keys.push(e);
                keys.len() - 1
            }
        })
    };
    let mut combined: Vec<Vec<usize>> = vec![Vec::new()];
    let mut any_sets = false;
    for item in items {
        // Each kind lists composite elements (a parenthesised list is one element).
        let elements = |es: &[Vec<ast::Expr>], index: &mut dyn FnMut(&ast::Expr) -> Result<usize>| {
            es.iter()
                .map(|el| el.iter().map(&mut *index).collect::<Result<Vec<usize>>>())
                .collect::<Result<Vec<_>>>()
        };
        let item_sets: Vec<Vec<usize>> = match item {
            ast::Expr::Cube(es) | ast::Expr::Rollup(es) => {
                let els = elements(es, &mut index)?;
                let shapes = if matches!(item, ast::Expr::Cube(_)) {
                    cube_sets(els.len())
                } else {
                    rollup_sets(els.len())
                };
                shapes.into_iter().map(|s| s.into_iter().flat_map(|e| els[e].clone()).collect()).collect()
            }
            ast::Expr::GroupingSets(es) => elements(es, &mut index)?,
            ast::Expr::Tuple(es) if es.is_empty() => vec![Vec::new()],
            e => vec![vec![index(e)?]],
        };
        any_sets |= matches!(item, ast::Expr::Cube(_) | ast::Expr::Rollup(_) | ast::Expr::GroupingSets(_));
        combined = combined
            .iter()
            .flat_map(|a| item_sets.iter().map(move |b| a.iter().chain(b).copied().collect::<Vec<usize>>()))
            .collect();
    }
    for m in modifiers {
        let all: Vec<usize> = (0..keys.len()).collect();
        combined = match m {
            ast::GroupByWithModifier::Rollup => rollup_sets(all.len()),
            ast::GroupByWithModifier::Cube => cube_sets(all.len()),
            other => return Err(SluiceError::Parse(format!("GROUP BY {other} is not supported"))),
        };
        any_sets = true;
    }
    Ok((keys, any_sets.then_some(combined)))
}

/// `plan AS alias` or `AS alias(c1, c2, ..)`: columns renamed by position, then qualified.
fn aliased(plan: LogicalPlan, alias: &ast::TableAlias) -> Result<LogicalPlan> {
    let plan = rename_columns(plan, alias)?;
    Ok(LogicalPlan::SubqueryAlias { input: Arc::new(plan), alias: alias.name.value.clone() })
}

/// Renames the columns of `plan` to the alias's column list, if it has one.
fn rename_columns(plan: LogicalPlan, alias: &ast::TableAlias) -> Result<LogicalPlan> {
    if alias.columns.is_empty() {
        return Ok(plan);
    }
    let schema = analyze(&plan, false)?.schema;
    if schema.len() != alias.columns.len() {
        return Err(SluiceError::analysis(format!(
            "[ASSIGNMENT_ARITY_MISMATCH] The number of columns in the alias `{}` ({}) does not match the number of columns of its query ({}).",
            alias.name.value,
            alias.columns.len(),
            schema.len()
        )));
    }
    let exprs = (0..schema.len())
        .map(|i| Expr::Column(vec![schema.fields[i].name.clone()]).alias(&alias.columns[i].name.value))
        .collect();
    let plan = LogicalPlan::Project { input: Arc::new(plan), exprs };
    Ok(plan)
}

/// `VALUES (..), (..)`: an inline table of constant rows, columns `col1`, `col2`, ..
/// typed by their first non-null value (other values cast to it, as Spark's inline tables).
/// Spark's `range(end)`, `range(start, end[, step[, numPartitions]])` table function: one
/// BIGINT column `id` from `start` (0) up to, not including, `end`, by `step` (1).
fn range_table(args: &[ast::FunctionArg]) -> Result<LogicalPlan> {
    const MOST: i128 = 10_000_000;
    let mut values = Vec::with_capacity(args.len());
    for arg in args {
        let ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) = arg else {
            return Err(SluiceError::analysis(format!("range() takes numbers, not `{arg}`")));
        };
        let v = convert_expr(e)?.bind(&Schema::default())?.eval(&[])?;
        let n = v.as_i64().ok_or_else(|| {
            SluiceError::analysis(format!(
                "[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] range() takes integer arguments; `{e}` is {}",
                v.data_type().sql_name()
            ))
        })?;
        values.push(n);
    }
    let (start, end, step) = match values.as_slice() {
        [end] => (0, *end, 1),
        [start, end] => (*start, *end, 1),
        [start, end, step] | [start, end, step, _] => (*start, *end, *step),
        _ => {
            return Err(SluiceError::analysis(format!(
                "[WRONG_NUM_ARGS.WITHOUT_SUGGESTION] The `range` requires [1, 4] parameters but the actual number is {}.",
                values.len()
            )))
        }
    };
    if step == 0 {
        return Err(SluiceError::analysis("[FAILED_FUNCTION_CALL] range(): the step must not be 0"));
    }
    let count = ((i128::from(end) - i128::from(start)) + i128::from(step) - i128::from(step.signum()))
        .div_euclid(i128::from(step))
        .max(0);
    if count > MOST {
        return Err(SluiceError::analysis(format!(
            "range() of {count} rows: Sluice builds a range as an in-memory table of at most {MOST} rows"
        )));
    }
    let rows: Vec<Row> = (0..count as i64).map(|k| vec![Value::Long(start + k * step)]).collect();
    Ok(LogicalPlan::Source(Arc::new(SourceSpec {
        description: "Range".into(),
        connector: "memory".into(),
        path: None,
        rows: Some(Arc::new(rows)),
        schema: Schema::new(vec![Field { name: "id".into(), data_type: DataType::Long, nullable: false }]),
        options: Options::new(),
        streaming: false,
    })))
}

fn inline_table(values: &ast::Values) -> Result<LogicalPlan> {
    let empty = Schema::default();
    let mut rows: Vec<Row> = Vec::new();
    let mut types: Vec<DataType> = Vec::new();
    for (r, row) in values.rows.iter().enumerate() {
        let mut out = Vec::new();
        let mut row_types = Vec::new();
        for e in &row.content {
            let bound = convert_expr(e)?.bind(&empty)?;
            row_types.push(bound.data_type().clone());
            out.push(bound.eval(&[])?);
        }
        if let Some(first) = rows.first() {
            if first.len() != out.len() {
                return Err(SluiceError::analysis(format!(
                    "[INVALID_INLINE_TABLE.NUM_COLUMNS_MISMATCH] Invalid inline table. Inline table expected {} columns but found {} columns in row {r}.",
                    first.len(),
                    out.len()
                )));
            }
        }
        // A column's type is the one every row's value fits (`(1.5), (12.25)` is
        // decimal(4,2)), as Spark's inline tables.
        if types.is_empty() {
            types = row_types;
        } else {
            for (c, t) in row_types.iter().enumerate() {
                types[c] = sluice_core::eval::wider_type(&types[c], t).ok_or_else(|| {
                    SluiceError::analysis(format!(
                        "[INVALID_INLINE_TABLE.INCOMPATIBLE_TYPES_IN_INLINE_TABLE] Invalid inline table. Found incompatible types in the column `col{}` for inline table.",
                        c + 1
                    ))
                })?;
            }
        }
        rows.push(out);
    }
    let mut fields = Vec::new();
    for (c, t) in types.into_iter().enumerate() {
        for row in rows.iter_mut() {
            if !row[c].is_null() {
                row[c] = cast_value_in(&row[c], &t, sluice_core::time::session_zone())?;
            }
        }
        let nullable = rows.iter().any(|r| r[c].is_null());
        fields.push(Field { name: format!("col{}", c + 1), data_type: t, nullable });
    }
    Ok(LogicalPlan::Source(Arc::new(SourceSpec {
        description: "LocalRelation".into(),
        connector: "memory".into(),
        path: None,
        rows: Some(Arc::new(rows)),
        schema: Schema::new(fields),
        options: Options::new(),
        streaming: false,
    })))
}

/// A grouped SELECT whose items hold window calls (`SELECT g, sum(x), rank() OVER (ORDER BY
/// sum(x) DESC) FROM t GROUP BY g`), split as Spark's `ExtractWindowExpressions` does: the
/// aggregation computes the group keys and every aggregate call outside a window call's own
/// function (named internally), and a projection over it computes the items, window calls
/// included, reading those columns. Returns `(aggregation items, projection items)`.
fn split_windowed_aggregate(group: &[Expr], items: Vec<Expr>) -> (Vec<Expr>, Vec<Expr>) {
    fn collect(e: &Expr, aggs: &mut Vec<Expr>) {
        match e {
            Expr::Over { func, over } => {
                if let Expr::Function { args, .. } = &**func {
                    args.iter().for_each(|a| collect(a, aggs));
                }
                over.partition_by.iter().for_each(|p| collect(p, aggs));
                over.order_by.iter().for_each(|(o, ..)| collect(o, aggs));
            }
            Expr::Function { name, .. } if AggFunc::from_name(name).is_some() => {
                if !aggs.contains(e) {
                    aggs.push(e.clone());
                }
            }
            other => {
                let mut children = Vec::new();
                other.clone().map_children(&mut |c| {
                    children.push(c.clone());
                    c
                });
                children.iter().for_each(|c| collect(c, aggs));
            }
        }
    }
    let mut aggs = Vec::new();
    items.iter().for_each(|e| collect(e, &mut aggs));
    let key = |j: usize| format!("\u{1}key{j}");
    let agg = |i: usize| format!("\u{1}agg{i}");
    let keys: Vec<Expr> = group.iter().map(Expr::normalized).collect();
    let mut inner: Vec<Expr> =
        group.iter().enumerate().map(|(j, g)| g.unaliased().clone().alias(&key(j))).collect();
    inner.extend(aggs.iter().enumerate().map(|(i, a)| a.clone().alias(&agg(i))));
    let outer = items
        .into_iter()
        .map(|e| {
            let name = e.output_name();
            let aliased = matches!(e, Expr::Alias(..));
            let rewritten = rewrite(e, &aggs, &keys);
            if aliased {
                rewritten
            } else {
                rewritten.alias(&name)
            }
        })
        .collect();
    (inner, outer)
}

/// `e` with the aggregation's calls and keys read from its columns; a window call keeps its
/// own function (only that function's arguments are rewritten).
fn rewrite(e: Expr, aggs: &[Expr], keys: &[Expr]) -> Expr {
    if let Some(i) = aggs.iter().position(|a| *a == e) {
        return Expr::Column(vec![format!("\u{1}agg{i}")]);
    }
    if let Some(j) = keys.iter().position(|k| *k == e.normalized()) {
        return Expr::Column(vec![format!("\u{1}key{j}")]);
    }
    match e {
        Expr::Over { func, over } => {
            let over = *over;
            let func = match *func {
                Expr::Function { name, args, distinct } => Expr::Function {
                    name,
                    args: args.into_iter().map(|a| rewrite(a, aggs, keys)).collect(),
                    distinct,
                },
                other => other,
            };
            let over = Over {
                partition_by: over.partition_by.into_iter().map(|p| rewrite(p, aggs, keys)).collect(),
                order_by: over.order_by.into_iter().map(|(o, a, n)| (rewrite(o, aggs, keys), a, n)).collect(),
                frame: over.frame,
            };
            Expr::Over { func: Box::new(func), over: Box::new(over) }
        }
        other => other.map_children(&mut |c| rewrite(c, aggs, keys)),
    }
}

//! `SELECT` statements to logical plans: the same plans the DataFrame API builds.

use crate::session::Session;
use sluice_core::expr::Expr;
use sluice_core::plan::{LogicalPlan, SortOrder};
use sluice_core::sql::{convert_expr, dialect};
use sluice_core::{Result, SluiceError, Value};
use sqlparser::ast::{
    self, GroupByExpr, LimitClause, OrderByKind, OrderBySort, SelectItem, SetExpr, Statement, TableFactor,
};
use sqlparser::parser::Parser;
use std::sync::Arc;

/// Parses one `SELECT` statement and plans it against the session's tables.
pub(crate) fn plan_query(session: &Session, text: &str, streaming: bool) -> Result<LogicalPlan> {
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
        SelectItem::QualifiedWildcard(..) => Expr::Star(None),
        other => return Err(SluiceError::Parse(format!("unsupported select item: {other}"))),
    })
}

/// Plans a parsed query (also used for `INSERT INTO .. SELECT`).
pub(crate) fn plan_select(session: &Session, q: &ast::Query, streaming: bool) -> Result<LogicalPlan> {
    let select = match q.body.as_ref() {
        SetExpr::Select(s) => s,
        SetExpr::Query(inner) => return plan_select(session, inner, streaming),
        other => return Err(SluiceError::Parse(format!("unsupported query form: {other}"))),
    };
    let mut plan = match select.from.as_slice() {
        [] => return Err(SluiceError::Parse("a SELECT needs a FROM clause".into())),
        [t] if t.joins.is_empty() => match &t.relation {
            TableFactor::Table { name, .. } => {
                let parts: Vec<String> =
                    name.0.iter().filter_map(|p| p.as_ident().map(|i| i.value.clone())).collect();
                let table = parts.last().cloned().unwrap_or_default();
                session.table_plan(&table, streaming)?
            }
            TableFactor::Derived { subquery, .. } => plan_select(session, subquery, streaming)?,
            other => return Err(SluiceError::Parse(format!("unsupported FROM item: {other}"))),
        },
        _ => return Err(SluiceError::Parse("joins are not supported yet".into())),
    };
    if let Some(w) = &select.selection {
        plan = LogicalPlan::Filter { input: Arc::new(plan), predicate: convert_expr(w)? };
    }
    let items: Vec<Expr> = select.projection.iter().map(select_item).collect::<Result<_>>()?;
    let (group, sets) = match &select.group_by {
        GroupByExpr::Expressions(es, modifiers) => group_by_sets(es, modifiers)?,
        GroupByExpr::All(_) => return Err(SluiceError::Parse("GROUP BY ALL is not supported".into())),
    };
    let having = select.having.as_ref().map(convert_expr).transpose()?;
    let aggregating =
        !group.is_empty() || sets.is_some() || having.is_some() || items.iter().any(Expr::contains_aggregate);
    if aggregating {
        // GROUP BY 1: ordinal positions refer to select items.
        let group = group
            .into_iter()
            .map(|g| match g {
                Expr::Literal(Value::Int(n)) if n >= 1 && (n as usize) <= items.len() => {
                    items[n as usize - 1].unaliased().clone()
                }
                other => other,
            })
            .collect();
        plan = match sets {
            Some(sets) => {
                LogicalPlan::GroupingSets { input: Arc::new(plan), group, sets, output: items, having }
            }
            None => LogicalPlan::Aggregate { input: Arc::new(plan), group, output: items, having },
        };
    } else {
        plan = LogicalPlan::Project { input: Arc::new(plan), exprs: items };
    }
    if matches!(select.distinct, Some(ast::Distinct::Distinct)) {
        // An aggregation grouping by every selected column, as Spark plans DISTINCT.
        plan = LogicalPlan::Distinct { input: Arc::new(plan) };
    }
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

//! Joins in plans: the join types and conditions users write, table qualifiers (`alias("a")`,
//! `FROM t AS a`) and how column references resolve through them (Spark's
//! `[AMBIGUOUS_REFERENCE]` for an unqualified name both sides have), and the bound join
//! the operators crate runs: equi-keys per side, a residual condition over the joined row,
//! and for `USING` the projection that keeps one column per key in Spark's order.

use crate::error::{Result, SluiceError};
use crate::eval::BoundExpr;
use crate::expr::{BinaryOp, Expr};
use crate::mode::OutputMode;
use crate::schema::Schema;
use crate::types::{DataType, Field};
use std::collections::HashSet;

/// How rows of two inputs combine (Spark's join types).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JoinType {
    /// Pairs that satisfy the condition.
    Inner,
    /// Inner, plus left rows without a match padded with nulls.
    LeftOuter,
    /// Inner, plus right rows without a match padded with nulls.
    RightOuter,
    /// Inner, plus unmatched rows of both sides padded with nulls.
    FullOuter,
    /// Left rows that have a match (left columns only).
    LeftSemi,
    /// Left rows that have no match (left columns only).
    LeftAnti,
    /// Every pair (an inner join without a condition).
    Cross,
}

impl JoinType {
    /// Parses Spark's `how` strings: `inner`, `cross`, `outer`/`full`/`fullouter`/`full_outer`,
    /// `left`/`leftouter`/`left_outer`, `right`/`rightouter`/`right_outer`,
    /// `semi`/`leftsemi`/`left_semi`, `anti`/`leftanti`/`left_anti`.
    pub fn parse(how: &str) -> Result<JoinType> {
        let norm: String = how.to_ascii_lowercase().chars().filter(|c| *c != '_').collect();
        Ok(match norm.as_str() {
            "inner" => JoinType::Inner,
            "cross" => JoinType::Cross,
            "outer" | "full" | "fullouter" => JoinType::FullOuter,
            "left" | "leftouter" => JoinType::LeftOuter,
            "right" | "rightouter" => JoinType::RightOuter,
            "semi" | "leftsemi" => JoinType::LeftSemi,
            "anti" | "leftanti" => JoinType::LeftAnti,
            _ => {
                return Err(SluiceError::analysis(format!(
                    "[UNSUPPORTED_JOIN_TYPE] Unsupported join type '{how}'. Supported join types include: 'inner', 'outer', 'full', 'fullouter', 'full_outer', 'leftouter', 'left', 'left_outer', 'rightouter', 'right', 'right_outer', 'leftsemi', 'left_semi', 'semi', 'leftanti', 'left_anti', 'anti', 'cross'."
                )))
            }
        })
    }

    /// Spark's name of the type in messages (`LeftOuter`, `FullOuter`, ...).
    pub fn spark_name(self) -> &'static str {
        match self {
            JoinType::Inner => "Inner",
            JoinType::LeftOuter => "LeftOuter",
            JoinType::RightOuter => "RightOuter",
            JoinType::FullOuter => "FullOuter",
            JoinType::LeftSemi => "LeftSemi",
            JoinType::LeftAnti => "LeftAnti",
            JoinType::Cross => "Cross",
        }
    }

    /// True if the output has only the left side's columns.
    pub fn left_only(self) -> bool {
        matches!(self, JoinType::LeftSemi | JoinType::LeftAnti)
    }

    /// True if right rows without a match are emitted, null-padded on the left.
    pub fn pads_left(self) -> bool {
        matches!(self, JoinType::RightOuter | JoinType::FullOuter)
    }

    /// True if left rows without a match are emitted, null-padded on the right.
    pub fn pads_right(self) -> bool {
        matches!(self, JoinType::LeftOuter | JoinType::FullOuter)
    }
}

/// What a join matches on.
#[derive(Clone, Debug, PartialEq)]
pub enum JoinCondition {
    /// No condition: every pair.
    None,
    /// A boolean expression over both sides (`ON a.id = b.id AND ..`).
    On(Expr),
    /// Columns both sides have, compared for equality; the output keeps one of each.
    Using(Vec<String>),
}

/// A join, bound: the operators key each side by its `*_keys`, pair rows with equal keys
/// (a null key matches nothing unless its position is null-safe, `<=>`), keep the pairs
/// where `residual` holds over the joined row (left columns then right columns), and add
/// the null-padded rows the join type asks for.
#[derive(Clone, Debug)]
pub struct JoinNode {
    /// The join type (`Cross` runs as an inner join without keys).
    pub kind: JoinType,
    /// Key expressions over a left row.
    pub left_keys: Vec<BoundExpr>,
    /// Key expressions over a right row, in the same order and of the same types.
    pub right_keys: Vec<BoundExpr>,
    /// Per key, true for `<=>` (nulls equal each other).
    pub null_safe: Vec<bool>,
    /// The rest of the condition, over the joined row.
    pub residual: Option<BoundExpr>,
    /// Columns of a left row.
    pub left_width: usize,
    /// Columns of a right row.
    pub right_width: usize,
    /// True if the left input is a stream.
    pub left_streaming: bool,
    /// True if the right input is a stream.
    pub right_streaming: bool,
    /// True if the left input carries a watermark.
    pub left_watermark: bool,
    /// True if the right input carries a watermark.
    pub right_watermark: bool,
    /// The left input's event-time column under a watermark (its late rows are dropped).
    pub left_event_time: Option<usize>,
    /// The right input's event-time column under a watermark.
    pub right_event_time: Option<usize>,
    /// The join key that is both inputs' event time (the watermarked timestamp or a window
    /// over it): a stream-stream join evicts a key's state once the watermark passes it.
    pub event_time_key: Option<usize>,
    /// Bounds on `left event time - right event time` (microseconds, inclusive) that the
    /// condition requires of a pair (`l.t BETWEEN r.t AND r.t + INTERVAL 1 MINUTE`): a
    /// stream-stream join evicts a left row once no future right row can be in range
    /// (needs the lower bound), and a right row likewise (needs the upper bound).
    pub time_range: (Option<i64>, Option<i64>),
}

impl JoinNode {
    /// The Spark name of the join's kind of inputs, for statistics and explain.
    pub fn is_stream_stream(&self) -> bool {
        self.left_streaming && self.right_streaming
    }
}

/// The table qualifiers through which each column of a plan's output can be named
/// (`a` in `a.x`); empty for a column no alias reaches.
pub type Qualifiers = Vec<Vec<String>>;

/// Resolves column references of expressions over a schema whose columns may repeat a
/// name and carry qualifiers: each reference is rewritten to a unique internal name, so
/// the rewritten expression binds against `internal` as any other.
pub struct Scope {
    /// The schema with duplicate names made unique (`x#3`); other names unchanged.
    pub internal: Schema,
    names: Vec<String>,
    qualifiers: Qualifiers,
}

impl Scope {
    /// The scope of `schema` with `qualifiers` (one entry per column, or empty for none).
    pub fn new(schema: &Schema, qualifiers: &Qualifiers) -> Scope {
        let mut internal = schema.clone();
        let names = schema.names();
        for (i, f) in internal.fields.iter_mut().enumerate() {
            let dup = names.iter().filter(|n| n.eq_ignore_ascii_case(&f.name)).count() > 1;
            if dup {
                f.name = format!("{}#{i}", f.name);
            }
        }
        let mut qualifiers = qualifiers.clone();
        qualifiers.resize(schema.len(), Vec::new());
        Scope { internal, names, qualifiers }
    }

    /// True if no name repeats and no column is qualified: references resolve as they are.
    pub fn is_plain(&self) -> bool {
        self.qualifiers.iter().all(Vec::is_empty) && self.internal.names() == self.names
    }

    /// The columns `t.*` expands to.
    pub fn star(&self, qualifier: &str) -> Result<Vec<usize>> {
        let cols: Vec<usize> = (0..self.names.len())
            .filter(|&i| self.qualifiers[i].iter().any(|q| q.eq_ignore_ascii_case(qualifier)))
            .collect();
        if cols.is_empty() {
            let names: Vec<String> = self.names.iter().map(|n| format!("`{n}`")).collect();
            return Err(SluiceError::analysis(format!(
                "[CANNOT_RESOLVE_STAR_EXPAND] Cannot resolve `{qualifier}`.* given input columns {}. Please check that the specified table or struct exists and is accessible in the input columns.",
                names.join(", ")
            )));
        }
        Ok(cols)
    }

    /// The internal name of column `i`, as a reference.
    pub fn column(&self, i: usize) -> Expr {
        Expr::Column(vec![self.internal.fields[i].name.clone()])
    }

    /// Which column a reference names, with the parts left over (struct fields); `None` if
    /// no column matches (binding reports it); an error if several match.
    fn lookup(&self, parts: &[String]) -> Result<Option<(usize, usize)>> {
        if parts.len() >= 2 {
            let hits: Vec<usize> = (0..self.names.len())
                .filter(|&i| {
                    self.names[i].eq_ignore_ascii_case(&parts[1])
                        && self.qualifiers[i].iter().any(|q| q.eq_ignore_ascii_case(&parts[0]))
                })
                .collect();
            match hits.as_slice() {
                [i] => return Ok(Some((*i, 2))),
                [] => {}
                _ => return Err(ambiguous(&parts[..2], &hits, self)),
            }
        }
        let hits: Vec<usize> =
            (0..self.names.len()).filter(|&i| self.names[i].eq_ignore_ascii_case(&parts[0])).collect();
        match hits.as_slice() {
            [i] => Ok(Some((*i, 1))),
            [] => Ok(None),
            _ => Err(ambiguous(&parts[..1], &hits, self)),
        }
    }

    /// `e` with every column reference renamed to its internal name.
    pub fn rewrite(&self, e: &Expr) -> Result<Expr> {
        let mut err = None;
        let out = e.clone().transform_down(&mut |node| match node {
            Expr::Column(parts) if !parts.is_empty() => match self.lookup(parts) {
                Ok(Some((i, used))) => {
                    let mut p = vec![self.internal.fields[i].name.clone()];
                    p.extend(parts[used..].iter().cloned());
                    Some(Expr::Column(p))
                }
                Ok(None) => None,
                Err(e) => {
                    err.get_or_insert(e);
                    None
                }
            },
            _ => None,
        });
        match err {
            Some(e) => Err(e),
            None => Ok(out),
        }
    }

    /// `e` rewritten for binding, keeping the name Spark gives it (qualifiers dropped):
    /// an output expression of a projection or aggregation.
    pub fn rewrite_named(&self, e: &Expr) -> Result<Expr> {
        let bound = self.rewrite(e)?;
        if matches!(e, Expr::Alias(..)) {
            return Ok(bound);
        }
        let display = e.clone().transform(&mut |node| match node {
            Expr::Column(parts) => match self.lookup(&parts) {
                // The column's name as written (Spark names `SELECT model` "model" even when
                // the column is `Model`), without its qualifiers.
                Ok(Some((_, used))) => Expr::Column(parts[used - 1..].to_vec()),
                _ => Expr::Column(parts),
            },
            other => other,
        });
        let name = display.output_name();
        Ok(if bound.output_name() == name { bound } else { bound.alias(&name) })
    }

    /// The qualifiers of column `i`.
    pub fn qualifiers_of(&self, i: usize) -> &[String] {
        &self.qualifiers[i]
    }

    /// Column index of a plain reference (`x` or `t.x`), if it is one.
    pub fn index_of_reference(&self, e: &Expr) -> Option<usize> {
        match e {
            Expr::Column(parts) if !parts.is_empty() => match self.lookup(parts) {
                Ok(Some((i, used))) if used == parts.len() => Some(i),
                _ => None,
            },
            _ => None,
        }
    }
}

fn ambiguous(parts: &[String], hits: &[usize], scope: &Scope) -> SluiceError {
    let candidates: Vec<String> = hits
        .iter()
        .map(|&i| match scope.qualifiers[i].first() {
            Some(q) => format!("`{q}`.`{}`", scope.names[i]),
            None => format!("`{}`", scope.names[i]),
        })
        .collect();
    let name: Vec<String> = parts.iter().map(|p| format!("`{p}`")).collect();
    SluiceError::analysis(format!(
        "[AMBIGUOUS_REFERENCE] Reference {} is ambiguous, could be: [{}].",
        name.join("."),
        candidates.join(", ")
    ))
}

/// The analysed pieces of a join, before the operators crate compiles them.
pub(crate) struct ResolvedJoin {
    pub node: JoinNode,
    /// Schema of the join's raw output (left columns then right ones, or left only).
    pub schema: Schema,
    pub qualifiers: Qualifiers,
    /// For `USING`: the projection over the raw output, its schema and qualifiers.
    pub using: Option<(Vec<BoundExpr>, Schema, Qualifiers)>,
}

/// Inputs of `resolve_join`: each side's schema and qualifiers, streaming and watermark.
pub(crate) struct Side<'a> {
    pub schema: &'a Schema,
    pub qualifiers: &'a Qualifiers,
    pub streaming: bool,
    pub watermark: bool,
    /// The event-time column under a watermark, if the input has one.
    pub event_time: Option<usize>,
    /// When that column is a time window of one length (`window(t, '10 seconds')`): the
    /// length, so a condition on `window.start` bounds the window's end too.
    pub window_length: Option<i64>,
}

/// Binds a join of two resolved inputs.
pub(crate) fn resolve_join(
    left: Side<'_>,
    right: Side<'_>,
    kind: JoinType,
    condition: &JoinCondition,
) -> Result<ResolvedJoin> {
    let lw = left.schema.len();
    let mut fields: Vec<Field> = left.schema.fields.clone();
    fields.extend(right.schema.fields.iter().cloned());
    let mut quals: Qualifiers = pad(left.qualifiers, lw);
    quals.extend(pad(right.qualifiers, right.schema.len()));
    let combined = Schema::new(fields);
    let scope = Scope::new(&combined, &quals);
    let right_internal = Schema::new(scope.internal.fields[lw..].to_vec());
    let left_internal = Schema::new(scope.internal.fields[..lw].to_vec());

    let mut node = JoinNode {
        kind,
        left_keys: Vec::new(),
        right_keys: Vec::new(),
        null_safe: Vec::new(),
        residual: None,
        left_width: lw,
        right_width: right.schema.len(),
        left_streaming: left.streaming,
        right_streaming: right.streaming,
        left_watermark: left.watermark,
        right_watermark: right.watermark,
        left_event_time: left.event_time,
        right_event_time: right.event_time,
        event_time_key: None,
        time_range: (None, None),
    };
    let mut using = None;
    match condition {
        JoinCondition::None => {}
        JoinCondition::On(on) => {
            let on = scope.rewrite(on)?;
            let bound = on.bind(&scope.internal)?;
            if !matches!(bound.data_type(), DataType::Boolean | DataType::Null) {
                return Err(SluiceError::analysis(format!(
                    "[DATATYPE_MISMATCH.FILTER_NOT_BOOLEAN] Cannot resolve \"{}\": join condition of type \"{}\" is not a boolean.",
                    on.output_name(),
                    bound.data_type().sql_name().to_ascii_uppercase()
                )));
            }
            let mut residual = Vec::new();
            for c in conjuncts(&on) {
                let key = match c {
                    Expr::Binary { op: op @ (BinaryOp::Eq | BinaryOp::EqNullSafe), left: a, right: b } => {
                        match (side_of(a, &scope, lw), side_of(b, &scope, lw)) {
                            (Some(Sided::Left), Some(Sided::Right)) => Some((a, b, *op)),
                            (Some(Sided::Right), Some(Sided::Left)) => Some((b, a, *op)),
                            _ => None,
                        }
                    }
                    _ => None,
                };
                match key {
                    Some((l, r, op)) => {
                        let (lk, rk) = bind_key_pair(l, r, &left_internal, &right_internal)?;
                        node.left_keys.push(lk);
                        node.right_keys.push(rk);
                        node.null_safe.push(op == BinaryOp::EqNullSafe);
                    }
                    None => residual.push(c.clone()),
                }
            }
            if let Some(first) = residual.pop() {
                let all = residual.into_iter().rev().fold(first, |acc, c| Expr::Binary {
                    op: BinaryOp::And,
                    left: Box::new(c),
                    right: Box::new(acc),
                });
                node.residual = Some(all.bind(&scope.internal)?);
            }
        }
        JoinCondition::Using(cols) => {
            let mut lkeys = Vec::new();
            let mut rkeys = Vec::new();
            for c in cols {
                let li = using_column(c, left.schema, "left")?;
                let ri = using_column(c, right.schema, "right")?;
                let (lk, rk) = bind_key_pair(
                    &scope.column(li),
                    &scope.column(lw + ri),
                    &left_internal,
                    &right_internal,
                )?;
                node.left_keys.push(lk);
                node.right_keys.push(rk);
                node.null_safe.push(false);
                lkeys.push(li);
                rkeys.push(ri);
            }
            using = Some(using_projection(&scope, &combined, &quals, kind, lw, &lkeys, &rkeys)?);
        }
    }

    if let (Some(lt), Some(rt), Some(residual)) = (left.event_time, right.event_time, &node.residual) {
        // A window's start and end bound an inner join's state (beyond Spark, whose state
        // value watermark reads columns, not struct fields); outer and semi joins, whose rows
        // depend on when state goes, keep Spark's bounds and refusals.
        let inner = matches!(kind, JoinType::Inner | JoinType::Cross);
        let length = |c: usize| match c {
            c if c == lt && inner => left.window_length,
            c if c == lw + rt && inner => right.window_length,
            _ => None,
        };
        node.time_range = time_range(residual, lt, lw + rt, &length);
    }
    node.event_time_key = (0..node.left_keys.len()).find(|&i| {
        left.event_time.is_some()
            && node.left_keys[i].column_index() == left.event_time
            && right.event_time.is_some()
            && node.right_keys[i].column_index() == right.event_time
    });
    let mut schema = combined;
    if kind.pads_right() {
        schema.fields[lw..].iter_mut().for_each(|f| f.nullable = true);
    }
    if kind.pads_left() {
        schema.fields[..lw].iter_mut().for_each(|f| f.nullable = true);
    }
    if kind.left_only() {
        schema.fields.truncate(lw);
        quals.truncate(lw);
    }
    Ok(ResolvedJoin { node, schema, qualifiers: quals, using })
}

fn pad(q: &Qualifiers, n: usize) -> Qualifiers {
    let mut q = q.clone();
    q.resize(n, Vec::new());
    q
}

/// A `USING` column's index on one side; Spark's errors when it is missing or repeated.
fn using_column(name: &str, schema: &Schema, side: &str) -> Result<usize> {
    let hits: Vec<usize> =
        (0..schema.len()).filter(|&i| schema.fields[i].name.eq_ignore_ascii_case(name)).collect();
    match hits.as_slice() {
        [i] => Ok(*i),
        [] => {
            let names: Vec<String> = schema.names().iter().map(|n| format!("`{n}`")).collect();
            Err(SluiceError::analysis(format!(
                "[UNRESOLVED_USING_COLUMN_FOR_JOIN] USING column `{name}` cannot be resolved on the {side} side of the join. The {side}-side columns: [{}].",
                names.join(", ")
            )))
        }
        _ => Err(SluiceError::analysis(format!(
            "[AMBIGUOUS_REFERENCE] Reference `{name}` is ambiguous, could be: [{}].",
            hits.iter().map(|_| format!("`{name}`")).collect::<Vec<_>>().join(", ")
        ))),
    }
}

/// Spark's output of a `USING` join (`Analyzer.commonNaturalJoinProcessing`): the keys
/// first (the left's for inner and left joins, the right's for right joins, `coalesce` of
/// both for full joins), then the left's other columns, then the right's.
fn using_projection(
    scope: &Scope,
    combined: &Schema,
    quals: &Qualifiers,
    kind: JoinType,
    lw: usize,
    lkeys: &[usize],
    rkeys: &[usize],
) -> Result<(Vec<BoundExpr>, Schema, Qualifiers)> {
    let mut exprs = Vec::new();
    let mut fields = Vec::new();
    let mut out_quals = Vec::new();
    let mut push = |e: Expr, field: Field, q: Vec<String>| -> Result<()> {
        let b = e.bind(&scope.internal)?;
        fields.push(Field { data_type: b.data_type().clone(), ..field });
        exprs.push(b);
        out_quals.push(q);
        Ok(())
    };
    for (&li, &ri) in lkeys.iter().zip(rkeys) {
        let (lf, rf) = (&combined.fields[li], &combined.fields[lw + ri]);
        match kind {
            JoinType::RightOuter => push(scope.column(lw + ri), rf.clone(), quals[lw + ri].clone())?,
            JoinType::FullOuter => push(
                Expr::Function {
                    name: "coalesce".into(),
                    args: vec![scope.column(li), scope.column(lw + ri)],
                    distinct: false,
                },
                Field {
                    name: lf.name.clone(),
                    data_type: lf.data_type.clone(),
                    nullable: lf.nullable && rf.nullable,
                },
                Vec::new(),
            )?,
            JoinType::Inner | JoinType::Cross => {
                // Both sides' values are equal in every output row: either qualifier names it.
                let mut q = quals[li].clone();
                q.extend(quals[lw + ri].iter().cloned());
                push(scope.column(li), lf.clone(), q)?
            }
            _ => push(scope.column(li), lf.clone(), quals[li].clone())?,
        }
    }
    let left_nullable = kind.pads_left();
    let right_nullable = kind.pads_right();
    for i in (0..lw).filter(|i| !lkeys.contains(i)) {
        let mut f = combined.fields[i].clone();
        f.nullable |= left_nullable;
        push(scope.column(i), f, quals[i].clone())?;
    }
    if !kind.left_only() {
        for j in (0..combined.len() - lw).filter(|j| !rkeys.contains(j)) {
            let mut f = combined.fields[lw + j].clone();
            f.nullable |= right_nullable;
            push(scope.column(lw + j), f, quals[lw + j].clone())?;
        }
    }
    Ok((exprs, Schema::new(fields), out_quals))
}

/// The conjuncts of `a AND b AND ..`.
pub fn conjuncts(e: &Expr) -> Vec<&Expr> {
    match e {
        Expr::Binary { op: BinaryOp::And, left, right } => {
            let mut out = conjuncts(left);
            out.extend(conjuncts(right));
            out
        }
        Expr::Alias(inner, _) => conjuncts(inner),
        other => vec![other],
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Sided {
    Left,
    Right,
}

/// Which side's columns a (rewritten) expression reads; `None` for both or neither.
fn side_of(e: &Expr, scope: &Scope, lw: usize) -> Option<Sided> {
    let mut sides = HashSet::new();
    let mut unknown = false;
    e.visit(&mut |n| match n {
        Expr::Column(parts) => match parts.first().and_then(|p| scope.internal.index_of(p)) {
            Some(i) => {
                sides.insert(if i < lw { Sided::Left } else { Sided::Right });
            }
            None => unknown = true,
        },
        Expr::Star(_) => unknown = true,
        _ => {}
    });
    if unknown || sides.len() != 1 || e.contains_aggregate() {
        return None;
    }
    sides.into_iter().next()
}

/// Binds a pair of equi-join keys, each over its own side, cast to one type (Spark's
/// coercion of `=`: numbers to the wider type, a string to the other side's type).
fn bind_key_pair(l: &Expr, r: &Expr, left: &Schema, right: &Schema) -> Result<(BoundExpr, BoundExpr)> {
    let lb = l.bind(left)?;
    let rb = r.bind(right)?;
    let (lt, rt) = (lb.data_type().clone(), rb.data_type().clone());
    if lt == rt {
        return Ok((lb, rb));
    }
    let target = match (&lt, &rt) {
        (DataType::Null, t) | (t, DataType::Null) => t.clone(),
        (a, b) if a.is_numeric() && b.is_numeric() => {
            if matches!(a, DataType::Double) || matches!(b, DataType::Double) {
                DataType::Double
            } else {
                DataType::Long
            }
        }
        (DataType::String, t) | (t, DataType::String) => t.clone(),
        (DataType::Date, DataType::Timestamp) | (DataType::Timestamp, DataType::Date) => DataType::Timestamp,
        _ => {
            return Err(SluiceError::analysis(format!(
                "[DATATYPE_MISMATCH.BINARY_OP_DIFF_TYPES] Cannot resolve \"({} = {})\" due to data type mismatch: the left and right operands of the binary operator have incompatible types (\"{}\" and \"{}\").",
                l.output_name(),
                r.output_name(),
                lt.sql_name().to_ascii_uppercase(),
                rt.sql_name().to_ascii_uppercase()
            )))
        }
    };
    let cast = |e: &Expr, schema: &Schema, b: BoundExpr| -> Result<BoundExpr> {
        if &target == b.data_type() {
            Ok(b)
        } else {
            Expr::Cast(Box::new(e.clone()), target.clone()).bind(schema)
        }
    };
    Ok((cast(l, left, lb)?, cast(r, right, rb)?))
}

/// The bounds on `left time - right time` that the conjuncts of `condition` comparing the
/// two event-time columns (each plus or minus a constant interval) require; `lt` and `rt`
/// are their indices in the joined row. An event time that is a window is its end; where
/// `window_length` gives a window column's length, its `end` field is that time and its
/// `start` the time minus the length (Nexmark q7: `B.dateTime >= B1.window.start AND
/// B.dateTime < B1.window.end`).
fn time_range(
    condition: &BoundExpr,
    lt: usize,
    rt: usize,
    window_length: &dyn Fn(usize) -> Option<i64>,
) -> (Option<i64>, Option<i64>) {
    let (mut min, mut max): (Option<i64>, Option<i64>) = (None, None);
    for c in condition.conjuncts() {
        let Some((a, b, [less, equal, greater])) = c.comparison() else { continue };
        let (Some((ca, oa)), Some((cb, ob))) = (a.time_offset(window_length), b.time_offset(window_length))
        else {
            continue;
        };
        // `ca + oa <op> cb + ob`, as `left - right <op'> d`.
        let (d, less, greater) = if ca == lt && cb == rt {
            (ob - oa, less, greater)
        } else if ca == rt && cb == lt {
            (oa - ob, greater, less)
        } else {
            continue;
        };
        let strict = if equal { 0 } else { 1 };
        if greater && !less {
            min = Some(min.map_or(d + strict, |m: i64| m.max(d + strict)));
        }
        if less && !greater {
            max = Some(max.map_or(d - strict, |m: i64| m.min(d - strict)));
        }
        if equal && !less && !greater {
            min = Some(min.map_or(d, |m: i64| m.max(d)));
            max = Some(max.map_or(d, |m: i64| m.min(d)));
        }
    }
    (min, max)
}

/// Spark's `UnsupportedOperationChecker` rules for joins in a streaming query, and the
/// stream-stream joins Sluice does not run yet, refused with a reason at `start()`.
pub fn check_streaming_join(j: &JoinNode, mode: OutputMode) -> Result<()> {
    let refuse = |m: String| Err(SluiceError::analysis(m));
    let (ls, rs) = (j.left_streaming, j.right_streaming);
    // Spark 4 runs stream-stream joins in append and update mode only (an inner join only
    // ever adds rows, so update mode writes what append would). Sluice also runs an inner
    // join in complete mode, where an aggregation over it keeps the whole table: the join's
    // matches are exact differences, so the table is exact (Spark refuses it).
    if ls && rs && mode == OutputMode::Complete && !matches!(j.kind, JoinType::Inner | JoinType::Cross) {
        return refuse(format!(
            "{} join between two streaming DataFrames/Datasets is not supported in Complete output mode, only in Append and Update output modes",
            j.kind.spark_name()
        ));
    }
    let stream_stream_outer = |kind: JoinType| -> Result<()> {
        if !(j.left_watermark || j.right_watermark) {
            return refuse(format!(
                "Stream-stream {} join between two streaming DataFrame/Datasets is not supported without a watermark in the join keys, or a watermark on the nullable side and an appropriate range condition",
                kind.spark_name()
            ));
        }
        // Outer joins run when the watermark bounds the preserved side's state: through an
        // event-time join key, or a range condition on the event times bounding that side.
        let (min, max) = j.time_range;
        let bounded = j.event_time_key.is_some()
            || match kind {
                JoinType::LeftOuter | JoinType::LeftSemi => min.is_some(),
                JoinType::RightOuter => max.is_some(),
                JoinType::FullOuter => min.is_some() && max.is_some(),
                _ => false,
            };
        if bounded {
            return Ok(());
        }
        refuse(format!(
            "Stream-stream {} join between two streaming DataFrame/Datasets is not supported without a watermark in the join keys, or a watermark on the nullable side and an appropriate range condition: Sluice needs an event-time column (the watermarked timestamp, or a window over it) among the join keys of both sides, or a range condition between the two event times that bounds the preserved side",
            kind.spark_name()
        ))
    };
    match j.kind {
        JoinType::Inner | JoinType::Cross => Ok(()),
        JoinType::FullOuter => {
            if ls && !rs {
                refuse("FullOuter joins with streaming DataFrames/Datasets on the left and a static DataFrame/Dataset on the right is not supported".into())
            } else if !ls && rs {
                refuse("FullOuter joins with streaming DataFrames/Datasets on the right and a static DataFrame/Dataset on the left is not supported".into())
            } else if ls && rs {
                stream_stream_outer(j.kind)
            } else {
                Ok(())
            }
        }
        JoinType::LeftAnti => {
            if rs {
                refuse(
                    "LeftAnti joins with a streaming DataFrame/Dataset on the right are not supported".into(),
                )
            } else {
                Ok(())
            }
        }
        JoinType::LeftOuter | JoinType::LeftSemi => {
            if !ls && rs {
                refuse(format!(
                    "{} join with a streaming DataFrame/Dataset on the right and a static DataFrame/Dataset on the left is not supported",
                    j.kind.spark_name()
                ))
            } else if ls && rs {
                stream_stream_outer(j.kind)
            } else {
                Ok(())
            }
        }
        JoinType::RightOuter => {
            if ls && !rs {
                refuse("RightOuter join with a streaming DataFrame/Dataset on the left and a static DataFrame/DataSet on the right not supported".into())
            } else if ls && rs {
                stream_stream_outer(j.kind)
            } else {
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spark_join_type_names_parse() {
        assert_eq!(JoinType::parse("left_outer").ok(), Some(JoinType::LeftOuter));
        assert_eq!(JoinType::parse("LEFTSEMI").ok(), Some(JoinType::LeftSemi));
        assert_eq!(JoinType::parse("outer").ok(), Some(JoinType::FullOuter));
        assert_eq!(JoinType::parse("anti").ok(), Some(JoinType::LeftAnti));
        let err = JoinType::parse("sideways").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("UNSUPPORTED_JOIN_TYPE"), "{err}");
    }

    #[test]
    fn unqualified_duplicate_is_ambiguous_and_qualified_resolves() {
        let schema = Schema::default().with("id", DataType::Long).with("id", DataType::Long);
        let scope = Scope::new(&schema, &vec![vec!["a".into()], vec!["b".into()]]);
        let err = scope.rewrite(&Expr::col("id")).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("[AMBIGUOUS_REFERENCE] Reference `id` is ambiguous"), "{err}");
        assert_eq!(scope.rewrite(&Expr::col("b.id")).ok(), Some(Expr::Column(vec!["id#1".into()])));
        let named = scope.rewrite_named(&Expr::col("b.id")).ok().map(|e| e.output_name());
        assert_eq!(named.as_deref(), Some("id"));
    }
}

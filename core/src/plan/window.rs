//! Window functions (`row_number() OVER (PARTITION BY g ORDER BY t)`, `lag(x)`,
//! `sum(x) OVER (..)`), bound: one `WindowNode` per call, which appends the call's value
//! to every row of its input (the operators compute it per partition).
//!
//! A projection whose expressions hold window calls is planned as a chain of window nodes
//! under the projection, each call replaced there by the column its node appends (as
//! Spark's `ExtractWindowExpressions`).
//!
//! Spark refuses window functions on streams. Sluice runs them outside append mode (a
//! partition's rows change as rows arrive, so earlier output is taken back): every batch
//! recomputes the partitions it touched and emits the difference, and a filter on a
//! ranking (`WHERE rn <= 10`) bounds each partition's output and, over rows that are never
//! taken back, its state to those top rows ([`infer_limit`], Spark's
//! `InferWindowGroupLimit`). Append mode keeps Spark's refusal.

use super::*;
use crate::expr::{effective_frame, Frame, FrameBound, Over};

/// What a window call computes for each row of its partition.
#[derive(Clone, Debug)]
pub enum WindowCall {
    /// `row_number()`: 1, 2, .. in the partition's order.
    RowNumber,
    /// `rank()`: 1 + the rows before the row's peers.
    Rank,
    /// `dense_rank()`: 1 + the distinct order keys before the row's.
    DenseRank,
    /// `percent_rank()`: `(rank - 1) / (rows - 1)`.
    PercentRank,
    /// `cume_dist()`: the share of rows up to the row's last peer.
    CumeDist,
    /// `ntile(n)`: the row's bucket of `n` as even as can be (the first ones one larger).
    Ntile(i64),
    /// `lag(x, n, default)` (`offset` = -n) and `lead(x, n, default)` (`offset` = n): `x` on
    /// the row `offset` away, else `default` on this row.
    Offset {
        /// The value read on the other row.
        arg: BoundExpr,
        /// Rows forward (negative: back).
        offset: i64,
        /// The value where there is no such row (NULL when absent).
        default: Option<BoundExpr>,
    },
    /// `first_value(x[, ignore_nulls])` / `last_value(..)` (and `first`, `last`): `x` on
    /// the frame's first (last) row, or its first (last) non-null value.
    Edge {
        /// The value read.
        arg: BoundExpr,
        /// The frame's last row rather than its first.
        last: bool,
        /// Skip NULL values.
        ignore_nulls: bool,
    },
    /// An aggregate (`sum`, `count`, `avg`, `min`, `max`, ..) over the frame.
    Aggregate(BoundAgg),
}

impl WindowCall {
    /// The function's name (`row_number`, `lag`, `aggregate`).
    pub fn name(&self) -> &'static str {
        match self {
            WindowCall::RowNumber => "row_number",
            WindowCall::Rank => "rank",
            WindowCall::DenseRank => "dense_rank",
            WindowCall::PercentRank => "percent_rank",
            WindowCall::CumeDist => "cume_dist",
            WindowCall::Ntile(_) => "ntile",
            WindowCall::Offset { offset, .. } if *offset < 0 => "lag",
            WindowCall::Offset { .. } => "lead",
            WindowCall::Edge { last: false, .. } => "first_value",
            WindowCall::Edge { last: true, .. } => "last_value",
            WindowCall::Aggregate(_) => "aggregate",
        }
    }
}

/// One window call, bound over its input's rows.
#[derive(Clone, Debug)]
pub struct WindowNode {
    /// The partitioning keys.
    pub partition: Vec<BoundExpr>,
    /// The order within a partition: `(key, ascending, nulls_first)`.
    pub order: Vec<(BoundExpr, bool, bool)>,
    /// What it computes.
    pub call: WindowCall,
    /// The rows an aggregate sees: `ROWS` positions, or `RANGE` whole peer groups.
    pub frame: Frame,
    /// Only rows whose ranking (`row_number`, `rank`, `dense_rank`) is at most this are
    /// needed: a filter above keeps no other ([`infer_limit`]).
    pub limit: Option<i64>,
    /// The input only ever gains rows (no aggregation or window below changes them), so
    /// with a `limit` a partition's rows past it can never rank within it again.
    pub insert_only: bool,
    /// The index of the column this node appends (its input's width).
    pub column: usize,
}

impl WindowNode {
    /// True when a partition needs to keep only the rows it outputs: a ranking limited by
    /// a filter, over rows never taken back (a row's rank then only grows).
    pub fn keeps_top_only(&self) -> bool {
        self.limit.is_some() && self.insert_only
    }
}

/// True when `e` holds a window call.
pub(super) fn has_window_call(e: &Expr) -> bool {
    let mut found = false;
    e.visit(&mut |n| found |= matches!(n, Expr::Over { .. }));
    found
}

/// The name of the column the `i`th window call of a projection appends (no SQL can
/// write it, so no reference can mean it by accident).
pub(super) fn window_column(i: usize) -> String {
    format!("\u{1}window{i}")
}

/// Binds `func OVER over` against `schema` through `scope`, with its result type.
pub(super) fn bind_window(
    scope: &Scope,
    func: &Expr,
    over: &Over,
    whole: &Expr,
) -> Result<(WindowNode, DataType)> {
    let bind = |e: &Expr| scope.rewrite(e)?.bind(&scope.internal);
    let partition = over.partition_by.iter().map(bind).collect::<Result<Vec<_>>>()?;
    let order = over
        .order_by
        .iter()
        .map(|(e, asc, nulls_first)| Ok((bind(e)?, *asc, *nulls_first)))
        .collect::<Result<Vec<_>>>()?;
    let Expr::Function { name, args, distinct } = func else {
        return Err(SluiceError::analysis(format!(
            "[UNSUPPORTED_EXPR_FOR_WINDOW] Expression \"{}\" not supported within a window function.",
            func.sql_name()
        )));
    };
    let frame = effective_frame(func, over);
    let ranking = crate::expr::RANKING_FUNCTIONS.contains(&name.as_str());
    if ranking && over.order_by.is_empty() {
        return Err(SluiceError::analysis(format!(
            "[WINDOW_FUNCTION_FRAME_NOT_ORDERED] Window function `{name}` requires the window to be ordered, please add ORDER BY clause. For example SELECT {name}(value_expr) OVER (PARTITION BY window_partition ORDER BY window_ordering) from table."
        )));
    }
    if *distinct {
        return Err(SluiceError::analysis(format!(
            "[DISTINCT_WINDOW_FUNCTION_UNSUPPORTED] Distinct window functions are not supported: {}.",
            whole.sql_name()
        )));
    }
    if ranking && over.frame.is_some() {
        return Err(SluiceError::analysis(format!(
            "[WINDOW_FUNCTION_AND_FRAME_MISMATCH] {name} function can only be evaluated in an ordered row-based window frame with a single offset: {}.",
            whole.sql_name()
        )));
    }
    if !frame.rows {
        let offset = |b: &FrameBound| matches!(b, FrameBound::Preceding(_) | FrameBound::Following(_));
        let numeric = order.len() == 1 && order[0].0.data_type().is_numeric();
        if (offset(&frame.start) || offset(&frame.end)) && !numeric {
            return Err(SluiceError::analysis(format!(
                "[DATATYPE_MISMATCH.RANGE_FRAME_INVALID_TYPE] Cannot resolve \"{}\" due to data type mismatch: a RANGE frame with an offset needs exactly one numeric ORDER BY expression.",
                whole.sql_name()
            )));
        }
    }
    let arity = |n: std::ops::RangeInclusive<usize>| -> Result<()> {
        if n.contains(&args.len()) {
            return Ok(());
        }
        Err(SluiceError::analysis(format!(
            "[WRONG_NUM_ARGS.WITHOUT_SUGGESTION] The `{name}` requires {} parameters but the actual number is {}.",
            if n.start() == n.end() { n.start().to_string() } else { format!("[{}, {}]", n.start(), n.end()) },
            args.len()
        )))
    };
    let constant = |e: &Expr| -> Result<i64> {
        match bind(e)?.literal_value() {
            Some(v) if v.as_i64().is_some() => Ok(v.as_i64().unwrap_or(0)),
            _ => Err(SluiceError::analysis(format!(
                "[DATATYPE_MISMATCH.NON_FOLDABLE_INPUT] Cannot resolve \"{}\" due to data type mismatch: the input \"{}\" should be a foldable integer expression.",
                whole.sql_name(),
                e.sql_name()
            ))),
        }
    };
    let (call, t) = match name.as_str() {
        "row_number" | "rank" | "dense_rank" => {
            arity(0..=0)?;
            let call = match name.as_str() {
                "row_number" => WindowCall::RowNumber,
                "rank" => WindowCall::Rank,
                _ => WindowCall::DenseRank,
            };
            (call, DataType::Int)
        }
        "percent_rank" | "cume_dist" => {
            arity(0..=0)?;
            let call = if name == "percent_rank" { WindowCall::PercentRank } else { WindowCall::CumeDist };
            (call, DataType::Double)
        }
        "ntile" => {
            arity(1..=1)?;
            let n = constant(&args[0])?;
            if n <= 0 {
                return Err(SluiceError::analysis(format!(
                    "[DATATYPE_MISMATCH.VALUE_OUT_OF_RANGE] Cannot resolve \"{}\" due to data type mismatch: The `buckets` must be between (0, 2147483647] (current value = {n}).",
                    whole.sql_name()
                )));
            }
            (WindowCall::Ntile(n), DataType::Int)
        }
        "lag" | "lead" => {
            arity(1..=3)?;
            let arg = bind(&args[0])?;
            let n = match args.get(1) {
                Some(e) => constant(e)?,
                None => 1,
            };
            let t = arg.data_type().clone();
            let default = match args.get(2) {
                Some(d) => {
                    let d = bind(d)?;
                    Some(if d.data_type() == &t || matches!(d.data_type(), DataType::Null) {
                        d.cast_to(&t)
                    } else {
                        let common = crate::eval::wider_type(&t, d.data_type()).ok_or_else(|| {
                            SluiceError::analysis(format!(
                                "[DATATYPE_MISMATCH.DATA_DIFF_TYPES] Cannot resolve \"{}\" due to data type mismatch: the default value's type \"{}\" differs from the input's \"{}\".",
                                whole.sql_name(),
                                d.data_type().sql_name().to_ascii_uppercase(),
                                t.sql_name().to_ascii_uppercase()
                            ))
                        })?;
                        d.cast_to(&common)
                    })
                }
                None => None,
            };
            let t = default.as_ref().map_or(t, |d| d.data_type().clone());
            let offset = if name == "lag" { -n } else { n };
            (WindowCall::Offset { arg: arg.cast_to(&t), offset, default }, t)
        }
        "first_value" | "last_value" | "first" | "last" => {
            arity(1..=2)?;
            let arg = bind(&args[0])?;
            let ignore_nulls = match args.get(1) {
                Some(e) => match bind(e)?.literal_value() {
                    Some(Value::Boolean(b)) => *b,
                    _ => {
                        return Err(SluiceError::analysis(format!(
                            "[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve \"{}\" due to data type mismatch: the second parameter requires a constant \"BOOLEAN\".",
                            whole.sql_name()
                        )))
                    }
                },
                None => false,
            };
            let t = arg.data_type().clone();
            (WindowCall::Edge { arg, last: name.starts_with("last"), ignore_nulls }, t)
        }
        _ => {
            let Some(func) = AggFunc::from_name(name) else {
                return Err(SluiceError::analysis(format!(
                    "[UNSUPPORTED_EXPR_FOR_WINDOW] Expression \"{}\" not supported within a window function.",
                    func.sql_name()
                )));
            };
            let call = Expr::Function { name: name.clone(), args: args.clone(), distinct: *distinct };
            let (_, arg, distinct) = super::as_aggregate(&call).unwrap_or((func, None, false));
            let arg = arg.map(|a| scope.rewrite(&a)).transpose()?;
            let mut agg = super::bind_agg(&scope.internal, func, arg.as_ref(), distinct, whole)?;
            agg.retracting = true;
            let t = agg.output_type.clone();
            (WindowCall::Aggregate(agg), t)
        }
    };
    Ok((WindowNode { partition, order, call, frame, limit: None, insert_only: false, column: 0 }, t))
}

/// Spark's refusal of the window call of `exprs` on a stream, which Sluice keeps in append
/// mode.
pub(super) fn streaming_refusal(exprs: &[&Expr]) -> String {
    let mut call = None;
    for e in exprs {
        e.visit(&mut |n| {
            if matches!(n, Expr::Over { .. }) && call.is_none() {
                call = Some(n.clone());
            }
        });
    }
    let call = call.expect("a projection with a window call");
    let column = exprs.iter().find(|e| has_window_call(e)).map(|e| e.output_name()).unwrap_or_default();
    let spec = call.sql_name();
    let spec = spec.split_once(" OVER ").map_or(spec.clone(), |(_, s)| s.to_string());
    format!(
        "[NON_TIME_WINDOW_NOT_SUPPORTED_IN_STREAMING] Window function is not supported in \"{}\" (as column `{column}`) on streaming DataFrames/Datasets. Structured Streaming only supports time-window aggregation using the WINDOW function. (window specification: \"{spec}\")",
        call.sql_name()
    )
}

/// Plans the window calls of a projection's expressions over `child`: a chain of window
/// nodes, each appending one call's value, and the expressions with each call replaced by
/// its column (named as the call was).
pub(super) fn plan_windows(
    child: Node,
    schema: Schema,
    qualifiers: &Qualifiers,
    exprs: &[&Expr],
) -> Result<(Node, Schema, Qualifiers, Vec<Expr>)> {
    let mut calls: Vec<Expr> = Vec::new();
    for e in exprs {
        e.visit(&mut |n| {
            if matches!(n, Expr::Over { .. }) && !calls.contains(n) {
                calls.push(n.clone());
            }
        });
    }
    let scope = Scope::new(&schema, qualifiers);
    let mut node = child;
    let mut fields = schema.fields.clone();
    let mut qualifiers = qualifiers.clone();
    qualifiers.resize(schema.len(), Vec::new());
    for (i, call) in calls.iter().enumerate() {
        let Expr::Over { func, over } = call else { unreachable!("collected window calls") };
        if has_window_call(func)
            || over.partition_by.iter().chain(over.order_by.iter().map(|(e, ..)| e)).any(has_window_call)
        {
            return Err(SluiceError::analysis(format!(
                "[UNSUPPORTED_EXPR_FOR_WINDOW] Expression \"{}\" not supported within a window function.",
                call.sql_name()
            )));
        }
        let (mut window, t) = bind_window(&scope, func, over, call)?;
        window.insert_only = !contains_aggregate(&node);
        window.column = fields.len();
        node = Node::Window { input: Box::new(node), window: Arc::new(window) };
        fields.push(Field::new(window_column(i), t));
        qualifiers.push(Vec::new());
    }
    let rewritten = exprs
        .iter()
        .map(|e| {
            let out = (*e).clone().transform_down(&mut |n| {
                let i = calls.iter().position(|c| c == n)?;
                Some(Expr::Column(vec![window_column(i)]))
            });
            if has_window_call(e) && !matches!(e, Expr::Alias(..)) {
                out.alias(&e.output_name())
            } else {
                out
            }
        })
        .collect();
    Ok((node, Schema::new(fields), qualifiers, rewritten))
}

/// Spark's `InferWindowGroupLimit`: a filter over a ranking's column (`rn <= 10`, `rn < 4`,
/// `rn = 1`, as a conjunct, directly or through a projection that passes the column on)
/// needs only the rows ranked up to that bound, so the window node under it gets it as its
/// `limit`. The filter stays: it still drops what the bound does not (`rn = 2`, say).
pub(super) fn infer_limit(child: &mut Node, predicate: &BoundExpr) {
    let (window, column) = match child {
        Node::Window { window, .. } => {
            let column = window.column;
            (window, column)
        }
        Node::Map { input, exprs } => {
            let Node::Window { window, .. } = &mut **input else { return };
            let Some(column) = exprs.iter().position(|e| e.column_index() == Some(window.column)) else {
                return;
            };
            (window, column)
        }
        _ => return,
    };
    if !matches!(window.call, WindowCall::RowNumber | WindowCall::Rank | WindowCall::DenseRank) {
        return;
    }
    let mut limit: Option<i64> = None;
    for conjunct in predicate.conjuncts() {
        let Some((a, b, accepts)) = conjunct.comparison() else { continue };
        // As `rank op bound`: [rank < bound, rank = bound, rank > bound] accepted.
        let (bound, accepts) = if a.column_index() == Some(column) {
            (b, accepts)
        } else if b.column_index() == Some(column) {
            (a, [accepts[2], accepts[1], accepts[0]])
        } else {
            continue;
        };
        let Some(Value::Int(bound)) = bound.literal_value() else { continue };
        let bound = i64::from(*bound);
        let at_most = match accepts {
            [true, true, false] | [false, true, false] => bound,
            [true, false, false] => bound - 1,
            _ => continue,
        };
        limit = Some(limit.map_or(at_most, |l| l.min(at_most)));
    }
    if let Some(limit) = limit {
        Arc::make_mut(window).limit = Some(limit.max(0));
    }
}

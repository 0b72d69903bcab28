//! Grouping sets (`cube`, `rollup`, `GROUPING SETS`) and the `grouping()` /
//! `grouping_id()` functions, as Spark defines them.
//!
//! Spark plans grouping sets as an `Expand` (one copy of each row per set, the keys outside
//! the set null, plus a grouping id) under an ordinary aggregation; Sluice does the same
//! expansion where rows are folded into partial states (`operators::compile`). The grouping
//! id has one bit per grouping key, the first key the most significant, set when the key is
//! *not* in the set: `cube(a, b)` has ids 0 (a, b), 1 (a), 2 (b) and 3 ().

use crate::error::{Result, SluiceError};
use crate::expr::Expr;
use crate::types::{DataType, Value};

/// One grouping set of a `cube` / `rollup` / `GROUPING SETS` aggregation, bound.
#[derive(Clone, Debug)]
pub struct GroupingSet {
    /// Per grouping key: true when the key is not in the set (its value becomes null).
    pub nulls: Vec<bool>,
    /// Values appended to the key: the set's grouping id, then the value of each
    /// `grouping(..)` / `grouping_id(..)` call of the query under this set.
    pub extra: Vec<Value>,
}

/// The sets of `cube(k0..kn)`: every subset of the keys, the full set first.
pub fn cube_sets(n: usize) -> Vec<Vec<usize>> {
    (0..1u64 << n).map(|mask| (0..n).filter(|i| mask & (1 << (n - 1 - i)) == 0).collect()).collect()
}

/// The sets of `rollup(k0..kn)`: every prefix of the keys, longest first.
pub fn rollup_sets(n: usize) -> Vec<Vec<usize>> {
    (0..=n).rev().map(|len| (0..len).collect()).collect()
}

/// True for a `grouping(..)` or `grouping_id(..)` call.
pub fn is_grouping_call(e: &Expr) -> bool {
    matches!(e, Expr::Function { name, .. } if name == "grouping" || name == "grouping_id")
}

/// Bound grouping sets (if any) and the query's grouping calls with their result types.
pub type BoundGroupingSets = (Option<Vec<GroupingSet>>, Vec<(Expr, DataType)>);

/// The grouping sets bound against the (normalised) grouping keys, and every distinct
/// `grouping`/`grouping_id` call among `exprs` with its result type, in first-seen order.
/// Without sets, a grouping call is Spark's error.
pub fn bind_grouping_sets<'a>(
    group: &[Expr],
    sets: Option<&[Vec<usize>]>,
    exprs: impl IntoIterator<Item = &'a Expr>,
) -> Result<BoundGroupingSets> {
    let mut calls: Vec<Expr> = Vec::new();
    for e in exprs {
        e.visit(&mut |node| {
            if is_grouping_call(node) {
                let norm = node.normalized();
                if !calls.contains(&norm) {
                    calls.push(norm);
                }
            }
        });
    }
    let Some(sets) = sets else {
        if let Some(c) = calls.first() {
            return Err(SluiceError::analysis(format!(
                "[UNSUPPORTED_GROUPING_EXPRESSION] grouping()/grouping_id() can only be used with GroupingSets/Cube/Rollup (in \"{}\").",
                c.output_name()
            )));
        }
        return Ok((None, Vec::new()));
    };
    let n = group.len();
    if n > 63 {
        return Err(SluiceError::analysis(format!(
            "[GROUPING_SIZE_LIMIT_EXCEEDED] Grouping sets size cannot be greater than 64 (got {n} keys)."
        )));
    }
    // Per call: the key indices whose bits make its value, and its type.
    let mut bound: Vec<(Vec<usize>, bool)> = Vec::new();
    for c in &calls {
        let Expr::Function { name, args, .. } = c else { continue };
        let mut idx = Vec::new();
        for a in args {
            let i = group.iter().position(|g| g == a).ok_or_else(|| {
                SluiceError::analysis(format!(
                    "[GROUPING_COLUMN_MISMATCH] Column of grouping ({}) can't be found in grouping columns {}.",
                    a.output_name(),
                    group.iter().map(|g| g.output_name()).collect::<Vec<_>>().join(",")
                ))
            })?;
            idx.push(i);
        }
        let is_id = name == "grouping_id";
        if !is_id && idx.len() != 1 {
            return Err(SluiceError::analysis(format!(
                "[WRONG_NUM_ARGS.WITHOUT_SUGGESTION] The `grouping` requires 1 parameters but the actual number is {}.",
                idx.len()
            )));
        }
        if is_id && idx.is_empty() {
            idx = (0..n).collect();
        }
        bound.push((idx, is_id));
    }
    let mut out = Vec::new();
    for set in sets {
        let nulls: Vec<bool> = (0..n).map(|i| !set.contains(&i)).collect();
        let id_of = |keys: &[usize]| keys.iter().fold(0i64, |acc, &i| (acc << 1) | i64::from(nulls[i]));
        let mut extra = vec![Value::Long(id_of(&(0..n).collect::<Vec<_>>()))];
        for (keys, is_id) in &bound {
            extra.push(if *is_id { Value::Long(id_of(keys)) } else { Value::Int(id_of(keys) as i32) });
        }
        out.push(GroupingSet { nulls, extra });
    }
    let typed = calls
        .into_iter()
        .zip(&bound)
        .map(|(c, (_, is_id))| (c, if *is_id { DataType::Long } else { DataType::Int }))
        .collect();
    Ok((Some(out), typed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cube_and_rollup_sets_follow_spark_ids() {
        assert_eq!(cube_sets(2), vec![vec![0, 1], vec![0], vec![1], vec![]]);
        assert_eq!(rollup_sets(2), vec![vec![0, 1], vec![0], vec![]]);
        let group = vec![Expr::col("a"), Expr::col("b")];
        let calls = [
            Expr::Function { name: "grouping".into(), args: vec![Expr::col("a")], distinct: false },
            Expr::Function { name: "grouping_id".into(), args: vec![], distinct: false },
        ];
        let (sets, typed) = bind_grouping_sets(&group, Some(&cube_sets(2)), calls.iter()).unwrap();
        let extras: Vec<Vec<Value>> = sets.unwrap().into_iter().map(|s| s.extra).collect();
        assert_eq!(
            extras[2],
            vec![Value::Long(2), Value::Int(1), Value::Long(2)],
            "set (b): a aggregated away"
        );
        assert_eq!(typed[0].1, DataType::Int);
    }
}

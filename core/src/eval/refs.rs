//! What a bound expression reads: the input columns of a deterministic expression, so the
//! planner can tell where a predicate may move (below a watermark, into a source's reader).

use super::scalar::State;
use super::*;

impl BoundExpr {
    /// The input columns this expression reads (sorted, without repeats), or `None` when it
    /// is not deterministic (`rand`, `uuid`) or cannot be moved (lambdas, aggregate and window
    /// stand-ins): evaluating it twice, or on other rows, could then change what it yields.
    pub fn deterministic_columns(&self) -> Option<Vec<usize>> {
        let mut cols = Vec::new();
        self.collect_columns(&mut cols)?;
        cols.sort_unstable();
        cols.dedup();
        Some(cols)
    }

    fn collect_columns(&self, out: &mut Vec<usize>) -> Option<()> {
        let all = |es: &[BoundExpr], out: &mut Vec<usize>| es.iter().try_for_each(|e| e.collect_columns(out));
        match &self.kind {
            Kind::Column(i) => out.push(*i),
            Kind::Literal(_) => {}
            Kind::Field(e, _)
            | Kind::Not(e)
            | Kind::Negate(e)
            | Kind::IsNull(e)
            | Kind::IsNotNull(e)
            | Kind::Cast { expr: e, .. }
            | Kind::Try(e)
            | Kind::ToJson(e, _)
            | Kind::FromJson(e, _) => e.collect_columns(out)?,
            Kind::Arith(_, l, r)
            | Kind::Cmp(_, l, r)
            | Kind::And(l, r)
            | Kind::Or(l, r)
            | Kind::Temporal(_, l, r) => {
                l.collect_columns(out)?;
                r.collect_columns(out)?;
            }
            Kind::Like { expr, pattern, .. } | Kind::RLike { expr, pattern, .. } => {
                expr.collect_columns(out)?;
                if let Pattern::Dynamic(p) = pattern {
                    p.collect_columns(out)?;
                }
            }
            Kind::InList { expr, list, .. } => {
                expr.collect_columns(out)?;
                all(list, out)?;
            }
            Kind::Case { branches, else_expr } => {
                for (when, then) in branches {
                    when.collect_columns(out)?;
                    then.collect_columns(out)?;
                }
                if let Some(e) = else_expr {
                    e.collect_columns(out)?;
                }
            }
            Kind::Func(f, args, state) => {
                if f.name == "uuid" || matches!(state, State::Random(_)) {
                    return None;
                }
                all(args, out)?;
            }
            Kind::MakeStruct(args) | Kind::Time(_, args, _) => all(args, out)?,
            Kind::GroupingOnly(_) | Kind::Aggregate(_) | Kind::HigherOrder(_) => return None,
        }
        Some(())
    }

    /// The AND of `conjuncts` (`None` for none), as `a AND b` binds.
    pub fn all_of(conjuncts: Vec<BoundExpr>) -> Option<BoundExpr> {
        conjuncts.into_iter().reduce(|a, b| node(Kind::And(Box::new(a), Box::new(b)), DataType::Boolean))
    }
}

#[cfg(test)]
mod tests {
    use crate::eval::BoundExpr;
    use crate::schema::Schema;
    use crate::sql::parse_expr;
    use crate::types::Value;

    fn bind(sql: &str) -> BoundExpr {
        parse_expr(sql).unwrap().bind(&Schema::parse_ddl("a BIGINT, b STRING, t TIMESTAMP").unwrap()).unwrap()
    }

    #[test]
    fn columns_of_deterministic_expressions_and_none_for_random_ones() {
        let e = bind("a % 123 = 0 AND b IS NOT NULL");
        assert_eq!(e.deterministic_columns(), Some(vec![0, 1]));
        assert_eq!(
            bind("upper(b) LIKE 'X%' OR t > TIMESTAMP'2023-01-01 00:00:00'").deterministic_columns(),
            Some(vec![1, 2])
        );
        assert_eq!(bind("1 < 2").deterministic_columns(), Some(vec![]));
        assert_eq!(bind("rand() < 0.5 AND a > 1").deterministic_columns(), None);
        assert_eq!(bind("uuid() = b").deterministic_columns(), None);
        assert_eq!(bind("transform(array(a), x -> x + 1)[0] > 1").deterministic_columns(), None);
    }

    #[test]
    fn conjuncts_rebuild_into_the_same_predicate() {
        let e = bind("a % 123 = 0 AND b IS NOT NULL AND a > 5");
        let parts: Vec<BoundExpr> = e.conjuncts().into_iter().cloned().collect();
        assert_eq!(parts.len(), 3);
        let again = BoundExpr::all_of(parts).unwrap();
        for row in [
            vec![Value::Long(246), Value::string("x"), Value::Null],
            vec![Value::Long(246), Value::Null, Value::Null],
            vec![Value::Long(5), Value::string("x"), Value::Null],
            vec![Value::Null, Value::string("x"), Value::Null],
        ] {
            assert_eq!(again.eval(&row).unwrap(), e.eval(&row).unwrap());
        }
        assert!(BoundExpr::all_of(Vec::new()).is_none());
    }
}

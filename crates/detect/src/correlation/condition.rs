//! The `condition:` of a Sigma correlation (specification v2.1): a map of comparisons
//! (`gt`, `gte`, `lt`, `lte`, `eq`, `neq`) that all must hold ("101 to 200" is `gt: 100` +
//! `lte: 200`). `field` (value_count) is parsed by the caller.
//!
//! A condition is *monotone* when it has only lower bounds (`gt`/`gte`): once it holds it keeps
//! holding as more events arrive, so it can fire as soon as it holds. Any upper bound (`lt`,
//! `lte`, `eq`, `neq`) can only be decided when the window closes.

use std::fmt;

/// One comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    Gt,
    Gte,
    Lt,
    Lte,
    Eq,
    Neq,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Gt => "gt",
            Op::Gte => "gte",
            Op::Lt => "lt",
            Op::Lte => "lte",
            Op::Eq => "eq",
            Op::Neq => "neq",
        }
    }

    pub fn parse(s: &str) -> Option<Op> {
        Some(match s {
            "gt" => Op::Gt,
            "gte" => Op::Gte,
            "lt" => Op::Lt,
            "lte" => Op::Lte,
            "eq" => Op::Eq,
            "neq" => Op::Neq,
            _ => return None,
        })
    }

    fn symbol(self) -> &'static str {
        match self {
            Op::Gt => ">",
            Op::Gte => ">=",
            Op::Lt => "<",
            Op::Lte => "<=",
            Op::Eq => "==",
            Op::Neq => "!=",
        }
    }

    fn holds(self, n: u64, v: u64) -> bool {
        match self {
            Op::Gt => n > v,
            Op::Gte => n >= v,
            Op::Lt => n < v,
            Op::Lte => n <= v,
            Op::Eq => n == v,
            Op::Neq => n != v,
        }
    }
}

/// A conjunction of comparisons on one count.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Condition {
    pub ops: Vec<(Op, u64)>,
}

impl Condition {
    pub fn new(ops: Vec<(Op, u64)>) -> Condition {
        Condition { ops }
    }

    /// `gte: n`: the default of temporal correlations (all `n` rules seen).
    pub fn at_least(n: u64) -> Condition {
        Condition { ops: vec![(Op::Gte, n)] }
    }

    pub fn holds(&self, n: u64) -> bool {
        self.ops.iter().all(|&(op, v)| op.holds(n, v))
    }

    /// True when the condition only has lower bounds, so it can fire as soon as it holds.
    pub fn is_monotone(&self) -> bool {
        self.ops.iter().all(|(op, _)| matches!(op, Op::Gt | Op::Gte))
    }

    /// True when some count ≥ 1 satisfies it (a window always holds at least one event).
    pub fn is_satisfiable(&self) -> bool {
        let mut lo = 1u64;
        let mut hi = u64::MAX;
        for &(op, v) in &self.ops {
            match op {
                Op::Gt => lo = lo.max(v.saturating_add(1)),
                Op::Gte => lo = lo.max(v),
                Op::Lt if v == 0 => return false,
                Op::Lt => hi = hi.min(v - 1),
                Op::Lte => hi = hi.min(v),
                Op::Eq => {
                    lo = lo.max(v);
                    hi = hi.min(v);
                }
                Op::Neq => {}
            }
        }
        if lo > hi {
            return false;
        }
        // Only `neq` values could still exclude the whole range [lo, hi].
        let span = hi - lo;
        let neqs: Vec<u64> = self.ops.iter().filter(|(o, _)| *o == Op::Neq).map(|(_, v)| *v).collect();
        span >= neqs.len() as u64 || (lo..=hi).any(|n| !neqs.contains(&n))
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (op, v)) in self.ops.iter().enumerate() {
            if i > 0 {
                f.write_str(" and ")?;
            }
            write!(f, "{} {v}", op.symbol())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_monotonicity() {
        let c = Condition::new(vec![(Op::Gt, 100), (Op::Lte, 200)]);
        assert!(!c.holds(100));
        assert!(c.holds(101));
        assert!(c.holds(200));
        assert!(!c.holds(201));
        assert!(!c.is_monotone());
        assert_eq!(c.to_string(), "> 100 and <= 200");
        assert!(Condition::new(vec![(Op::Gte, 5)]).is_monotone());
        assert!(!Condition::new(vec![(Op::Neq, 5)]).is_monotone());
    }

    #[test]
    fn satisfiability() {
        assert!(!Condition::new(vec![(Op::Gt, 10), (Op::Lt, 5)]).is_satisfiable());
        assert!(!Condition::new(vec![(Op::Lt, 1)]).is_satisfiable());
        assert!(!Condition::new(vec![(Op::Eq, 3), (Op::Neq, 3)]).is_satisfiable());
        assert!(Condition::new(vec![(Op::Gte, 3), (Op::Lte, 4), (Op::Neq, 3)]).is_satisfiable());
        assert!(Condition::new(vec![(Op::Eq, 7)]).is_satisfiable());
    }
}

//! Samples of one metric and their summary.

use serde::Serialize;

#[derive(Clone, Debug, Default, Serialize)]
pub struct Samples {
    pub values: Vec<f64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub runs: usize,
}

impl Samples {
    pub fn push(&mut self, v: f64) {
        self.values.push(v);
    }

    pub fn summary(&self) -> Option<Summary> {
        if self.values.is_empty() {
            return None;
        }
        let mut v = self.values.clone();
        v.sort_by(|a, b| a.total_cmp(b));
        let n = v.len();
        let median = if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        };
        Some(Summary {
            median,
            min: v[0],
            max: v[n - 1],
            runs: n,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        let mut s = Samples::default();
        for v in [3.0, 1.0, 2.0] {
            s.push(v);
        }
        let sum = s.summary().unwrap();
        assert_eq!((sum.median, sum.min, sum.max, sum.runs), (2.0, 1.0, 3.0, 3));
        s.push(10.0);
        assert_eq!(s.summary().unwrap().median, 2.5);
        assert!(Samples::default().summary().is_none());
    }
}

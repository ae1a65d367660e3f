//! Agreement between reviewers: the hits that two or more reviewers judged → how often they
//! agree, as observed and beyond chance.
//!
//! In: for each such hit, the category each reviewer put it in (确认, 误判, 存疑). Out: a
//! [`Kappa`]: the observed agreement, the agreement chance alone would give, and κ — Cohen's when
//! the same two reviewers judged every hit, Fleiss' when there are more (a hit may then have been
//! judged by any two or more of them).
//!
//! Observed agreement is the same number for both: per hit, the share of pairs of its reviewers
//! who gave the same verdict, averaged over the hits. For two reviewers that is the share of
//! hits they agree on. Why κ as well: when nine hits in ten are right, two reviewers who both say
//! 确认 without reading agree 82 % of the time; κ counts only the agreement beyond that, 1 for
//! complete agreement, 0 for what chance gives, below 0 for less.

/// Observed and chance agreement; κ follows from them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Kappa {
    /// The mean share of agreeing reviewer pairs per hit.
    pub observed: f64,
    /// The agreement expected by chance from how often each verdict was given.
    pub expected: f64,
}

impl Kappa {
    /// (observed − expected) / (1 − expected); `None` when chance alone agrees completely
    /// (every verdict the same), where κ is undefined.
    pub fn kappa(&self) -> Option<f64> {
        // Expected agreement is a sum of squared shares: exactly 1 only when one category has
        // every verdict, but rounding may leave it a hair below.
        (self.expected < 1.0 - 1e-9)
            .then(|| (self.observed - self.expected) / (1.0 - self.expected))
    }
}

/// Which κ: Cohen's when exactly two reviewers judged the hits, Fleiss' for more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Cohen,
    Fleiss,
}

impl Method {
    /// The name as a report prints it.
    pub fn name(self) -> &'static str {
        match self {
            Method::Cohen => "Cohen's κ",
            Method::Fleiss => "Fleiss' κ",
        }
    }

    /// The name as the CSV writes it.
    pub fn key(self) -> &'static str {
        match self {
            Method::Cohen => "cohen",
            Method::Fleiss => "fleiss",
        }
    }
}

/// Cohen's κ for two raters: `pairs` holds each item's category from the first rater and from
/// the second, categories numbered below `k`. Chance agreement multiplies each rater's own
/// share of every category. `None` without items.
pub fn cohen(pairs: &[(usize, usize)], k: usize) -> Option<Kappa> {
    if pairs.is_empty() {
        return None;
    }
    let n = pairs.len() as f64;
    let mut first = vec![0usize; k];
    let mut second = vec![0usize; k];
    let mut agree = 0usize;
    for &(a, b) in pairs {
        first[a] += 1;
        second[b] += 1;
        agree += usize::from(a == b);
    }
    let expected = first
        .iter()
        .zip(&second)
        .map(|(&a, &b)| (a as f64 / n) * (b as f64 / n))
        .sum();
    Some(Kappa {
        observed: agree as f64 / n,
        expected,
    })
}

/// Fleiss' κ: `counts[i][j]` is how many raters put item `i` in category `j`. Each item's
/// agreement is the share of its rater pairs that agree, Σⱼ nᵢⱼ(nᵢⱼ − 1) / nᵢ(nᵢ − 1), so the
/// number of raters may differ from item to item; chance agreement is Σⱼ pⱼ², pⱼ being category
/// `j`'s share of all ratings. Items with fewer than two ratings say nothing of agreement and
/// are left out; `None` when none is left.
pub fn fleiss(counts: &[Vec<usize>]) -> Option<Kappa> {
    let items: Vec<&Vec<usize>> = counts
        .iter()
        .filter(|row| row.iter().sum::<usize>() >= 2)
        .collect();
    if items.is_empty() {
        return None;
    }
    let k = items.iter().map(|row| row.len()).max().unwrap_or(0);
    let mut totals = vec![0usize; k];
    let mut observed = 0.0;
    for row in &items {
        let n: usize = row.iter().sum();
        let pairs: usize = row.iter().map(|&c| c * c.saturating_sub(1)).sum();
        observed += pairs as f64 / (n * (n - 1)) as f64;
        for (t, &c) in totals.iter_mut().zip(row.iter()) {
            *t += c;
        }
    }
    let all: usize = totals.iter().sum();
    let expected = totals
        .iter()
        .map(|&t| {
            let p = t as f64 / all as f64;
            p * p
        })
        .sum();
    Some(Kappa {
        observed: observed / items.len() as f64,
        expected,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 5e-4
    }

    /// Fleiss (1971) as Wikipedia works it: 10 items, 14 raters each, 5 categories;
    /// P̄ = 0.378, P̄ₑ = 0.213, κ = 0.210.
    #[test]
    fn fleiss_matches_the_textbook_example() {
        let table = [
            [0, 0, 0, 0, 14],
            [0, 2, 6, 4, 2],
            [0, 0, 3, 5, 6],
            [0, 3, 9, 2, 0],
            [2, 2, 8, 1, 1],
            [7, 7, 0, 0, 0],
            [3, 2, 6, 3, 0],
            [2, 5, 3, 2, 2],
            [6, 5, 2, 1, 0],
            [0, 2, 2, 3, 7],
        ];
        let counts: Vec<Vec<usize>> = table.iter().map(|r| r.to_vec()).collect();
        let k = fleiss(&counts).unwrap();
        assert!(close(k.observed, 0.378), "{k:?}");
        assert!(close(k.expected, 0.213), "{k:?}");
        assert!(close(k.kappa().unwrap(), 0.210), "{k:?}");
    }

    /// Cohen (1960) as Wikipedia works it: 50 proposals, both say yes to 20, both no to 15,
    /// A yes B no 5, A no B yes 10: pₒ = 0.7, pₑ = 0.5·0.6 + 0.5·0.4 = 0.5, κ = 0.4.
    #[test]
    fn cohen_matches_the_textbook_example() {
        let mut pairs = Vec::new();
        pairs.extend(std::iter::repeat_n((0, 0), 20));
        pairs.extend(std::iter::repeat_n((1, 1), 15));
        pairs.extend(std::iter::repeat_n((0, 1), 5));
        pairs.extend(std::iter::repeat_n((1, 0), 10));
        let k = cohen(&pairs, 2).unwrap();
        assert!(close(k.observed, 0.7) && close(k.expected, 0.5), "{k:?}");
        assert!(close(k.kappa().unwrap(), 0.4), "{k:?}");
        // The raters' order does not matter.
        let swapped: Vec<_> = pairs.iter().map(|&(a, b)| (b, a)).collect();
        assert_eq!(cohen(&swapped, 2), Some(k));
    }

    /// Worked by hand with the three verdicts (0 确认, 1 误判, 2 存疑), four hits, two reviewers:
    /// (确认, 确认), (确认, 误判), (误判, 误判), (存疑, 确认). pₒ = 2/4. The first said 确认 2,
    /// 误判 1, 存疑 1; the second 确认 2, 误判 2: pₑ = (2·2 + 1·2 + 1·0)/16 = 6/16.
    /// κ = (8/16 − 6/16)/(10/16) = 0.2. Fleiss on the same hits: each agreeing hit 1, each
    /// split one 0, P̄ = 0.5; the shares of the eight verdicts are 4/8, 3/8, 1/8, so
    /// P̄ₑ = (16 + 9 + 1)/64 = 26/64 and κ = (32/64 − 26/64)/(38/64) = 6/38.
    #[test]
    fn three_verdicts_by_hand() {
        let pairs = [(0, 0), (0, 1), (1, 1), (2, 0)];
        let k = cohen(&pairs, 3).unwrap();
        assert_eq!((k.observed, k.expected), (0.5, 6.0 / 16.0));
        assert!(close(k.kappa().unwrap(), 0.2), "{k:?}");
        let counts = vec![vec![2, 0, 0], vec![1, 1, 0], vec![0, 2, 0], vec![1, 0, 1]];
        let f = fleiss(&counts).unwrap();
        assert_eq!(f.observed, k.observed, "the same observed agreement");
        assert_eq!(f.expected, 26.0 / 64.0);
        assert!(close(f.kappa().unwrap(), 6.0 / 38.0), "{f:?}");
    }

    /// Three reviewers, not all on every hit: each hit's own number of pairs. Hit one: 确认
    /// ×3, all 3 pairs agree → 1. Hit two: 确认, 误判 → 0. Hit three: 误判 ×2, 确认 → 1 pair of 3.
    /// P̄ = (1 + 0 + 1/3)/3 = 4/9; shares of the eight verdicts 5/8, 3/8: P̄ₑ = 34/64.
    #[test]
    fn fleiss_with_a_different_number_of_reviewers_per_hit() {
        let counts = vec![vec![3, 0, 0], vec![1, 1, 0], vec![1, 2, 0], vec![1, 0, 0]];
        let f = fleiss(&counts).unwrap();
        assert!(close(f.observed, 4.0 / 9.0), "{f:?}");
        assert_eq!(f.expected, 34.0 / 64.0);
        let kappa = (4.0 / 9.0 - 34.0 / 64.0) / (1.0 - 34.0 / 64.0);
        assert!(close(f.kappa().unwrap(), kappa), "{f:?}");
        assert!(f.kappa().unwrap() < 0.0, "less than chance");
    }

    #[test]
    fn kappa_is_undefined_when_every_verdict_is_the_same() {
        let k = cohen(&[(0, 0), (0, 0)], 3).unwrap();
        assert_eq!((k.observed, k.expected, k.kappa()), (1.0, 1.0, None));
        let f = fleiss(&[vec![0, 3, 0], vec![0, 2, 0]]).unwrap();
        assert_eq!((f.observed, f.kappa()), (1.0, None));
        // Rounding may leave "every verdict the same" a hair below 1: still undefined.
        let hair = Kappa {
            observed: 1.0,
            expected: 1.0 - 1e-9,
        };
        assert_eq!(hair.kappa(), None);
        // Perfect agreement across two verdicts is κ = 1.
        let k = cohen(&[(0, 0), (1, 1)], 2).unwrap();
        assert_eq!(k.kappa(), Some(1.0));
        assert_eq!(cohen(&[], 3), None);
        assert_eq!(
            fleiss(&[vec![1, 0, 0]]),
            None,
            "one verdict is no agreement"
        );
        assert_eq!(fleiss(&[]), None);
    }

    #[test]
    fn methods_are_named() {
        assert_eq!(Method::Cohen.name(), "Cohen's κ");
        assert_eq!(Method::Fleiss.name(), "Fleiss' κ");
        assert_eq!(
            (Method::Cohen.key(), Method::Fleiss.key()),
            ("cohen", "fleiss")
        );
    }
}

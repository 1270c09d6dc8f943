//! Which simulcast layer each receiver gets of each video it shows: the smallest layer
//! at least as tall as the tile it is shown in, then stepped down, biggest first, until
//! the sum fits the receiver's estimated bandwidth. A pure function, so the choice is
//! tested as a table rather than through a network.
//!
//! A participant sends three layers, by rid: `q` (a quarter of the camera's size), `h`
//! (half) and `f` (full); the nominal heights and rates below are those of a 720p
//! camera, which is what the web app asks for.

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Layer {
    Q,
    H,
    F,
}

impl Layer {
    pub const ALL: [Layer; 3] = [Layer::Q, Layer::H, Layer::F];

    pub fn rid(self) -> &'static str {
        match self {
            Layer::Q => "q",
            Layer::H => "h",
            Layer::F => "f",
        }
    }

    pub fn from_rid(rid: &str) -> Option<Layer> {
        Layer::ALL.into_iter().find(|l| l.rid() == rid)
    }

    pub fn height(self) -> u32 {
        match self {
            Layer::Q => 180,
            Layer::H => 360,
            Layer::F => 720,
        }
    }

    /// Bits per second the layer takes, about.
    pub fn rate(self) -> u64 {
        match self {
            Layer::Q => 150_000,
            Layer::H => 500_000,
            Layer::F => 1_500_000,
        }
    }

    /// Its place in `ALL`, for tables kept per layer.
    pub fn index(self) -> usize {
        self as usize
    }

    fn down(self) -> Option<Layer> {
        match self {
            Layer::Q => None,
            Layer::H => Some(Layer::Q),
            Layer::F => Some(Layer::H),
        }
    }
}

/// The smallest layer at least `height` tall (the full one for anything taller);
/// `None` for a tile not shown.
pub fn for_height(height: u32) -> Option<Layer> {
    if height == 0 {
        return None;
    }
    Some(Layer::ALL.into_iter().find(|l| l.height() >= height).unwrap_or(Layer::F))
}

/// One layer per wanted height (in the same order), within `budget` bits per second
/// when there is an estimate. Never below `q` for a shown tile: a receiver short even
/// of that still gets the smallest picture rather than none.
pub fn choose(heights: &[u32], budget: Option<u64>) -> Vec<Option<Layer>> {
    let mut chosen: Vec<Option<Layer>> = heights.iter().map(|h| for_height(*h)).collect();
    let Some(budget) = budget else { return chosen };
    loop {
        let total: u64 = chosen.iter().flatten().map(|l| l.rate()).sum();
        if total <= budget {
            return chosen;
        }
        // Step down the biggest layer (the first of equals, so the order is stable).
        let biggest = chosen
            .iter()
            .enumerate()
            .filter_map(|(i, l)| l.and_then(|l| l.down().map(|_| (i, l))))
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)));
        match biggest {
            Some((i, l)) => chosen[i] = l.down(),
            None => return chosen,
        }
    }
}

/// The layer to forward when `target` is wanted and only the layers `arriving` says
/// are still coming in: the target itself; else the biggest arriving below it (a smaller
/// picture rather than a frozen one); else the smallest arriving above it; else the
/// target still, since there is nothing to switch to. A sender drops its top layers
/// when its own uplink or CPU runs short, and a receiver set on one of them would
/// otherwise see a frozen tile until the layer came back.
pub fn arriving(target: Layer, arriving: impl Fn(Layer) -> bool) -> Layer {
    if arriving(target) {
        return target;
    }
    let below = Layer::ALL.into_iter().rev().filter(|l| *l < target).find(|l| arriving(*l));
    below.or_else(|| Layer::ALL.into_iter().filter(|l| *l > target).find(|l| arriving(*l))).unwrap_or(target)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Layer::*;

    #[test]
    fn the_tile_height_picks_the_smallest_layer_tall_enough() {
        for (h, want) in
            [(0, None), (1, Some(Q)), (180, Some(Q)), (181, Some(H)), (360, Some(H)), (361, Some(F)), (2160, Some(F))]
        {
            assert_eq!(for_height(h), want, "height {h}");
        }
    }

    #[test]
    fn without_an_estimate_every_tile_gets_its_layer() {
        assert_eq!(choose(&[720, 200, 0, 100], None), vec![Some(F), Some(H), None, Some(Q)]);
    }

    #[test]
    fn a_short_budget_steps_the_biggest_down_first() {
        type Case = (&'static [u32], u64, &'static [Option<Layer>]);
        let cases: &[Case] = &[
            (&[720, 360], 2_000_000, &[Some(F), Some(H)]),
            (&[720, 360], 1_999_999, &[Some(H), Some(H)]),
            (&[720, 360], 1_000_000, &[Some(H), Some(H)]),
            (&[720, 360], 999_999, &[Some(Q), Some(H)]),
            (&[720, 360], 650_000, &[Some(Q), Some(H)]),
            (&[720, 360], 649_999, &[Some(Q), Some(Q)]),
            (&[720, 360], 0, &[Some(Q), Some(Q)]),
            (&[720, 0, 720], 1_000_000, &[Some(H), None, Some(H)]),
        ];
        for (heights, budget, want) in cases {
            assert_eq!(&choose(heights, Some(*budget)), want, "{heights:?} in {budget}");
        }
    }

    #[test]
    fn a_layer_that_stopped_arriving_gives_way_to_the_nearest_below_then_above() {
        // (wanted, layers arriving, forwarded)
        let cases: &[(Layer, &[Layer], Layer)] = &[
            (H, &[Q, H, F], H),
            (F, &[Q, H], H),
            (F, &[Q], Q),
            (H, &[Q, F], Q),
            (Q, &[H, F], H),
            (Q, &[F], F),
            (H, &[F], F),
            (F, &[], F),
            (Q, &[], Q),
        ];
        for (target, live, want) in cases {
            assert_eq!(arriving(*target, |l| live.contains(&l)), *want, "{target:?} with {live:?}");
        }
    }

    #[test]
    fn rids_round_trip() {
        for l in Layer::ALL {
            assert_eq!(Layer::from_rid(l.rid()), Some(l));
        }
        assert_eq!(Layer::from_rid("x"), None);
    }
}

//! Non-deterministic functions: `rand([seed])` / `random([seed])` and `uuid()`.
//!
//! `rand(seed)` draws the numbers Spark draws: its `XORShiftRandom` seeded with the seed
//! (Spark adds the partition's index; a Sluice query reads as partition 0), behind
//! `java.util.Random.nextDouble`. The generator is shared by the call's clones, so one
//! worker reading a batch query's rows in order gets Spark's sequence.

use super::*;
use std::sync::Mutex;

pub(super) const FUNCTIONS: &[ScalarFunction] = &[
    ScalarFunction {
        name: "rand",
        aliases: &["random"],
        arity: (0, 1),
        signature: |call, b| {
            let seed = match b.first() {
                None => std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos() as i64),
                Some(s) => match (&s.data_type, s.literal_value()) {
                    (_, Some(Value::Null)) => 0,
                    (DataType::Int | DataType::Long, Some(v)) => v.as_i64().unwrap_or(0),
                    _ => {
                        return Err(call.mismatch(format!(
                            "the seed must be an integer literal, however \"{}\" is \"{}\"",
                            call.expr.sql_name(),
                            type_sql(&s.data_type)
                        )))
                    }
                },
            };
            Ok(Signature {
                args: Vec::new(),
                data_type: DataType::Double,
                state: State::Random(Arc::new(Mutex::new(XorShift::new(seed)))),
            })
        },
        eval: Eval::Lazy(|_, _, state| {
            let State::Random(rng) = state else { unreachable!("rand's state is its generator") };
            let mut rng = rng.lock().unwrap_or_else(|e| e.into_inner());
            Ok(Value::double(rng.next_double()))
        }),
    },
    ScalarFunction {
        name: "uuid",
        aliases: &[],
        arity: (0, 0),
        signature: |_, _| Signature::new(Vec::new(), DataType::String),
        eval: Eval::Lazy(|_, _, _| Ok(Value::string(&uuid::Uuid::new_v4().to_string()))),
    },
];

/// Spark's `XORShiftRandom` (a xorshift generator whose seed is MurmurHash3-scrambled) as
/// `java.util.Random` draws doubles from it.
#[derive(Debug)]
pub(crate) struct XorShift(u64);

impl XorShift {
    pub(crate) fn new(seed: i64) -> XorShift {
        // Spark's `hashSeed`: the seed's 8 big-endian bytes hashed twice.
        let bytes = seed.to_be_bytes();
        let low = murmur3_bytes(&bytes, 0x3c07_4a61);
        let high = murmur3_bytes(&bytes, low);
        XorShift((u64::from(high) << 32) | u64::from(low))
    }

    fn next(&mut self, bits: u32) -> u64 {
        let mut s = self.0 ^ (self.0 << 21);
        s ^= s >> 35;
        s ^= s << 4;
        self.0 = s;
        s & ((1 << bits) - 1)
    }

    /// `java.util.Random.nextDouble`: 53 random bits over 2^53.
    pub(crate) fn next_double(&mut self) -> f64 {
        let hi = self.next(26);
        let lo = self.next(27);
        ((hi << 27) + lo) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

/// Scala's `MurmurHash3.bytesHash`.
fn murmur3_bytes(data: &[u8], seed: u32) -> u32 {
    fn mix_last(h: u32, k: u32) -> u32 {
        h ^ k.wrapping_mul(0xcc9e_2d51).rotate_left(15).wrapping_mul(0x1b87_3593)
    }
    let mut h = seed;
    let mut chunks = data.chunks_exact(4);
    for c in &mut chunks {
        let k = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        h = mix_last(h, k).rotate_left(13).wrapping_mul(5).wrapping_add(0xe654_6b64);
    }
    let tail = chunks.remainder();
    if !tail.is_empty() {
        let k = tail.iter().rev().fold(0u32, |k, &b| (k << 8) | u32::from(b));
        h = mix_last(h, k);
    }
    h ^= data.len() as u32;
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^ (h >> 16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_draws_are_sparks() {
        // pyspark 4.3: SELECT rand(0) on one partition, its first three rows.
        let mut r = XorShift::new(0);
        let draws: Vec<f64> = (0..3).map(|_| r.next_double()).collect();
        assert_eq!(draws, [0.7604953758285915, 0.5234194256885571, 0.0953472826424725]);
    }
}

//! The trace hash: 64-bit FNV-1a (offset basis 0xcbf29ce484222325, prime 0x100000001b3)
//! over a canonical encoding of every delivered message.
//!
//! Each delivery contributes, in order: time (u64 ms), sequence number (u64), recipient
//! (u32), then the message's own [`TraceEncode`] bytes. Integers are little-endian, floats
//! are their IEEE-754 bits as little-endian u64 / u32, strings are a u32 byte length then
//! the UTF-8 bytes, enums a u8 variant tag then their fields in declaration order. The
//! encoding never depends on pointer values, `HashMap` order or the platform.

use crate::ids::ActorId;
use crate::time::SimTime;

/// A message that can be fed to the trace hash canonically.
pub trait TraceEncode {
    /// Feeds the canonical bytes of `self` to `h`.
    fn encode(&self, h: &mut TraceHasher);
}

/// FNV-1a 64 hasher with helpers for the canonical encoding.
#[derive(Clone, Debug)]
pub struct TraceHasher {
    state: u64,
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

impl Default for TraceHasher {
    fn default() -> Self {
        Self::new()
    }
}

impl TraceHasher {
    /// A hasher at the FNV offset basis.
    pub fn new() -> Self {
        TraceHasher { state: FNV_OFFSET }
    }

    /// Feeds raw bytes.
    #[inline]
    pub fn bytes(&mut self, bytes: &[u8]) {
        let mut s = self.state;
        for &b in bytes {
            s ^= u64::from(b);
            s = s.wrapping_mul(FNV_PRIME);
        }
        self.state = s;
    }

    /// Feeds one byte (enum tags, booleans).
    #[inline]
    pub fn u8(&mut self, v: u8) {
        self.bytes(&[v]);
    }

    /// Feeds a u32, little-endian.
    #[inline]
    pub fn u32(&mut self, v: u32) {
        self.bytes(&v.to_le_bytes());
    }

    /// Feeds a u64, little-endian.
    #[inline]
    pub fn u64(&mut self, v: u64) {
        self.bytes(&v.to_le_bytes());
    }

    /// Feeds an f64 as its bits.
    #[inline]
    pub fn f64(&mut self, v: f64) {
        self.u64(v.to_bits());
    }

    /// Feeds an f32 as its bits.
    #[inline]
    pub fn f32(&mut self, v: f32) {
        self.u32(v.to_bits());
    }

    /// Feeds a string: length, then bytes.
    pub fn str(&mut self, v: &str) {
        self.u32(v.len() as u32);
        self.bytes(v.as_bytes());
    }

    /// Feeds one delivery.
    #[inline]
    pub fn record<M: TraceEncode>(&mut self, time: SimTime, seq: u64, to: ActorId, msg: &M) {
        self.u64(time.as_ms());
        self.u64(seq);
        self.u32(to.0);
        msg.encode(self);
    }

    /// The hash so far.
    pub fn finish(&self) -> u64 {
        self.state
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_reference_vectors() {
        // Published FNV-1a 64 test vectors.
        let hash = |s: &str| {
            let mut h = TraceHasher::new();
            h.bytes(s.as_bytes());
            h.finish()
        };
        assert_eq!(hash(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(hash("a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(hash("foobar"), 0x8594_4171_f739_67e8);
    }
}

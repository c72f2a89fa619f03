//! What the business asks the notifier to say: kinds of notices, their texts (Korean,
//! as sent), and who can be reached how.

use super::channel::Recipient;
use crate::ids::{BookingId, CustomerId, VehicleId};
use crate::time::SimTime;

/// A kind of notice, each with its delivery policy (`data/notify/policies.csv`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum NoticeKind {
    /// The booking is confirmed (the quote accepted).
    Confirmed,
    /// A van is assigned, with its pickup ETA.
    Assigned,
    /// A live ETA (of the pickup, then of the arrival).
    Eta,
    /// The pets are aboard.
    PickedUp,
    /// A new fare to approve (a reroute, waiting, a diversion).
    Requote,
    /// A welfare alert: the van diverts to a vet.
    Welfare,
    /// Arrived at the drop-off.
    Arrived,
    /// The receipt of the charge.
    Receipt,
}

impl NoticeKind {
    /// Every kind, in order.
    pub const ALL: [NoticeKind; 8] = [
        NoticeKind::Confirmed,
        NoticeKind::Assigned,
        NoticeKind::Eta,
        NoticeKind::PickedUp,
        NoticeKind::Requote,
        NoticeKind::Welfare,
        NoticeKind::Arrived,
        NoticeKind::Receipt,
    ];

    /// Name in data files and outputs.
    pub fn name(self) -> &'static str {
        match self {
            NoticeKind::Confirmed => "confirmed",
            NoticeKind::Assigned => "assigned",
            NoticeKind::Eta => "eta",
            NoticeKind::PickedUp => "picked_up",
            NoticeKind::Requote => "requote",
            NoticeKind::Welfare => "welfare",
            NoticeKind::Arrived => "arrived",
            NoticeKind::Receipt => "receipt",
        }
    }

    /// Index in [`NoticeKind::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// What a notice's text says besides its kind and booking.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Facts {
    /// A time (an ETA, a pickup).
    pub at: Option<SimTime>,
    /// Amounts: a fare; the old and the new one for a re-quote.
    pub won: [i64; 2],
    /// The van.
    pub vehicle: Option<VehicleId>,
}

fn hhmm(t: Option<SimTime>) -> String {
    let m = t.map_or(0, |t| t.ms_of_day() / 60_000);
    format!("{:02}:{:02}", m / 60, m % 60)
}

fn won(w: i64) -> String {
    let s = w.abs().to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if w < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// The text of a notice, as the customer reads it (the SMS/LMS choice depends on its
/// EUC-KR length: the re-quote and welfare texts do not fit 90 bytes).
pub fn text(kind: NoticeKind, booking: BookingId, f: &Facts) -> String {
    let v = f.vehicle.map_or(String::new(), |v| v.to_string());
    match kind {
        NoticeKind::Confirmed => format!(
            "[펫플릿] {booking} 예약 확정. 픽업 {} 이후, 요금 {}원",
            hhmm(f.at),
            won(f.won[0])
        ),
        NoticeKind::Assigned => format!("[펫플릿] {booking} {v} 배정, {} 도착 예정", hhmm(f.at)),
        NoticeKind::Eta => match f.at {
            Some(_) => format!("[펫플릿] {booking} 도착 예정 {}", hhmm(f.at)),
            None => format!("[펫플릿] {booking} 차량 이동 중"),
        },
        NoticeKind::PickedUp => format!("[펫플릿] {booking} 반려동물 탑승 완료"),
        NoticeKind::Requote => format!(
            "[펫플릿] {booking} 경로 변경 등으로 예상 요금이 {}원에서 {}원으로 바뀌었습니다. \
             앱에서 승인 또는 거절해 주세요. 응답이 없으면 기존 요금이 유지됩니다.",
            won(f.won[0]),
            won(f.won[1])
        ),
        NoticeKind::Welfare => format!(
            "[펫플릿] {booking} 반려동물 상태 이상으로 가까운 동물병원으로 이동합니다. \
             담당자가 곧 연락드립니다."
        ),
        NoticeKind::Arrived => format!("[펫플릿] {booking} 목적지 도착"),
        NoticeKind::Receipt => format!("[펫플릿] {booking} {}원 결제 완료", won(f.won[0])),
    }
}

/// Shares of customers by how they can be reached (`[notifier]` in a scenario).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Reach {
    /// Have the app with a push token.
    pub app: f64,
    /// Use KakaoTalk.
    pub kakao: f64,
    /// Gave an e-mail address.
    pub email: f64,
    /// Of those, prefer AlimTalk to push.
    pub prefers_alimtalk: f64,
}

impl Reach {
    /// Customer `c`'s reach, drawn from the run's seed and the customer's id alone (the
    /// same customer is reached the same way all run, with nothing kept per customer).
    pub fn of(&self, seed: u64, c: CustomerId) -> Recipient {
        let mut x = seed ^ (u64::from(c.0) + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let mut next = || {
            // SplitMix64.
            x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            (z ^ (z >> 31)) as f64 / u64::MAX as f64
        };
        Recipient {
            app: next() < self.app,
            kakao: next() < self.kakao,
            email: next() < self.email,
            prefers_alimtalk: next() < self.prefers_alimtalk,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::channel::euc_kr_len;

    #[test]
    fn short_notices_fit_an_sms_and_long_ones_need_an_lms() {
        let f = Facts {
            at: Some(SimTime::from_day_hms(0, 10, 42, 0)),
            won: [41_200, 45_900],
            vehicle: Some(VehicleId(12)),
        };
        let b = BookingId(123_456);
        for k in [
            NoticeKind::Eta,
            NoticeKind::PickedUp,
            NoticeKind::Arrived,
            NoticeKind::Assigned,
        ] {
            assert!(
                euc_kr_len(&text(k, b, &f)) <= 90,
                "{:?}: {}",
                k,
                text(k, b, &f)
            );
        }
        for k in [NoticeKind::Requote, NoticeKind::Welfare] {
            assert!(euc_kr_len(&text(k, b, &f)) > 90, "{k:?}");
        }
        assert!(text(NoticeKind::Requote, b, &f).contains("41,200원에서 45,900원"));
        assert!(text(NoticeKind::Eta, b, &f).ends_with("10:42"));
    }

    #[test]
    fn reach_shares_hold_over_many_customers() {
        let r = Reach {
            app: 0.8,
            kakao: 0.9,
            email: 0.3,
            prefers_alimtalk: 0.5,
        };
        let n = 20_000;
        let all: Vec<Recipient> = (0..n).map(|c| r.of(42, CustomerId(c))).collect();
        let share =
            |f: fn(&Recipient) -> bool| all.iter().filter(|x| f(x)).count() as f64 / n as f64;
        assert!((share(|x| x.app) - 0.8).abs() < 0.02);
        assert!((share(|x| x.kakao) - 0.9).abs() < 0.02);
        assert!((share(|x| x.email) - 0.3).abs() < 0.02);
        assert_eq!(r.of(42, CustomerId(7)), r.of(42, CustomerId(7)));
    }
}

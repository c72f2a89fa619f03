//! The feed: what a real fleet reports, one JSON object per message (see `docs/feed.md`).
//!
//! GPS fixes, bookings created, accepted, cancelled, rejected and completed, pickups and
//! drop-offs, incidents reported and cleared, and an `end` marker. Every object has a
//! `type` and a `time` (a local date-time in Korea, `2026-11-24T08:00:05.250`, or with an
//! offset, `2026-11-24T08:00:05+09:00`). Ids are strings (`V3`, `B12`, `I4`). Two
//! transports carry the same objects: newline-delimited JSON (a file or stdin) and MQTT
//! ([`mqtt`]), one topic per subject.

pub mod export;
pub mod mqtt;
pub mod replay;

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use sim_core::time::SimTime;

/// One feed message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// When it happened (see the module's description).
    pub time: String,
    /// What happened.
    #[serde(flatten)]
    pub body: Body,
}

/// What a message reports.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Body {
    /// A GPS fix.
    Gps {
        /// The van.
        vehicle: String,
        /// Latitude, degrees (a number; a string is read as one).
        lat: Num,
        /// Longitude, degrees.
        lon: Num,
        /// Speed over ground, km/h.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        speed_kmh: Option<Num>,
        /// Heading, degrees clockwise from north.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        heading_deg: Option<Num>,
    },
    /// A booking was made.
    BookingCreated {
        /// The booking.
        booking: String,
        /// Pickup place (a node name).
        origin: String,
        /// Drop-off place.
        destination: String,
        /// The earliest pickup asked for, if later than `time`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        requested_pickup: Option<String>,
        /// The pets, each `species/size/weight` as in `bookings.csv` (`dog/large/24.0kg`).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        pets: Vec<String>,
        /// An add-on: `vet_visit`, `grooming` or `hotel_stay` (the destination is then the
        /// partner's node).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        addon: Option<String>,
    },
    /// The customer accepted the quote (and a van may be named).
    BookingAccepted {
        /// The booking.
        booking: String,
        /// The van, if assigned.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        vehicle: Option<String>,
    },
    /// The booking was cancelled.
    BookingCancelled {
        /// The booking.
        booking: String,
        /// Why, in words.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// No van could serve the booking.
    BookingRejected {
        /// The booking.
        booking: String,
        /// Why, in words.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// The booking was delivered and charged.
    BookingCompleted {
        /// The booking.
        booking: String,
        /// The fare charged, won.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fare_won: Option<i64>,
    },
    /// A van left a pickup with the booking's pets.
    Pickup {
        /// The booking.
        booking: String,
        /// The van.
        vehicle: String,
    },
    /// A van dropped the booking's pets off (a leg ended).
    Dropoff {
        /// The booking.
        booking: String,
        /// The van.
        vehicle: String,
    },
    /// An incident was reported.
    IncidentReported {
        /// The incident.
        incident: String,
        /// The road's name.
        road: String,
        /// Where it starts (a node name).
        from: String,
        /// Where it ends.
        to: String,
        /// `closure` or `lane_loss`.
        kind: String,
        /// Lanes lost (lane losses).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        lanes_lost: Option<u8>,
    },
    /// An incident cleared.
    IncidentCleared {
        /// The incident.
        incident: String,
    },
    /// The feed ends here (the twin stops).
    End {},
}

/// A number, or a string holding one (some devices send `"37.5"`, or `"NaN"`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Num {
    /// A JSON number.
    Number(f64),
    /// A string.
    Text(String),
}

impl Num {
    /// The value (NaN when the string is not a number).
    pub fn value(&self) -> f64 {
        match self {
            Num::Number(v) => *v,
            Num::Text(s) => s.trim().parse().unwrap_or(f64::NAN),
        }
    }
}

impl Body {
    /// The message's `type`, as written.
    pub fn kind(&self) -> &'static str {
        match self {
            Body::Gps { .. } => "gps",
            Body::BookingCreated { .. } => "booking_created",
            Body::BookingAccepted { .. } => "booking_accepted",
            Body::BookingCancelled { .. } => "booking_cancelled",
            Body::BookingRejected { .. } => "booking_rejected",
            Body::BookingCompleted { .. } => "booking_completed",
            Body::Pickup { .. } => "pickup",
            Body::Dropoff { .. } => "dropoff",
            Body::IncidentReported { .. } => "incident_reported",
            Body::IncidentCleared { .. } => "incident_cleared",
            Body::End {} => "end",
        }
    }

    /// The MQTT topic of this message in `fleet`: `petfleet/<fleet>/vehicles/<id>/gps`,
    /// `petfleet/<fleet>/bookings/<id>/<type>`, `petfleet/<fleet>/incidents/<id>/<type>`,
    /// `petfleet/<fleet>/feed/end`.
    pub fn topic(&self, fleet: &str) -> String {
        let (kind, id) = (self.kind(), self.subject());
        match self {
            Body::Gps { .. } => format!("petfleet/{fleet}/vehicles/{id}/gps"),
            Body::IncidentReported { .. } | Body::IncidentCleared { .. } => {
                format!("petfleet/{fleet}/incidents/{id}/{kind}")
            }
            Body::End {} => format!("petfleet/{fleet}/feed/end"),
            _ => format!("petfleet/{fleet}/bookings/{id}/{kind}"),
        }
    }

    /// The message's subject: its van, booking or incident (empty for `end`).
    pub fn subject(&self) -> &str {
        match self {
            Body::Gps { vehicle, .. } => vehicle,
            Body::BookingCreated { booking, .. }
            | Body::BookingAccepted { booking, .. }
            | Body::BookingCancelled { booking, .. }
            | Body::BookingRejected { booking, .. }
            | Body::BookingCompleted { booking, .. }
            | Body::Pickup { booking, .. }
            | Body::Dropoff { booking, .. } => booking,
            Body::IncidentReported { incident, .. } | Body::IncidentCleared { incident } => {
                incident
            }
            Body::End {} => "",
        }
    }
}

/// Parses one message; the error is serde's, with its column.
pub fn parse(text: &str) -> Result<Message, serde_json::Error> {
    serde_json::from_str(text)
}

/// The message as one line of JSON (no newline).
pub fn to_line(msg: &Message) -> String {
    serde_json::to_string(msg).expect("a feed message always serialises")
}

/// Feed times against a run's first day.
#[derive(Clone, Copy, Debug)]
pub struct FeedClock {
    start: NaiveDateTime,
}

impl FeedClock {
    /// Times count from 00:00 of `start_date` (Korea time).
    pub fn new(start_date: NaiveDate) -> FeedClock {
        FeedClock {
            start: start_date.and_hms_opt(0, 0, 0).expect("midnight exists"),
        }
    }

    /// `2026-11-24T08:00:05.250` (milliseconds).
    pub fn format(&self, t: SimTime) -> String {
        let dt = self.start + chrono::Duration::milliseconds(t.as_ms() as i64);
        dt.format("%Y-%m-%dT%H:%M:%S%.3f").to_string()
    }

    /// Reads a feed time: a local date-time, or one with an offset (turned into Korea
    /// time, UTC+9). The error says what was expected.
    pub fn parse(&self, s: &str) -> Result<SimTime, String> {
        let local = match chrono::DateTime::parse_from_rfc3339(s) {
            Ok(dt) => {
                let kst = chrono::FixedOffset::east_opt(9 * 3600).expect("UTC+9 exists");
                dt.with_timezone(&kst).naive_local()
            }
            Err(_) => NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").map_err(|_| {
                "a date-time such as 2026-11-24T08:00:05.250 (optionally with an offset)"
                    .to_string()
            })?,
        };
        let ms = (local - self.start).num_milliseconds();
        u64::try_from(ms).map(SimTime).map_err(|_| {
            format!(
                "a time from {} on (the scenario's start date)",
                self.start.format("%Y-%m-%dT%H:%M:%S")
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_round_trip_and_times_read_with_or_without_an_offset() {
        let clock = FeedClock::new(NaiveDate::from_ymd_opt(2026, 11, 24).unwrap());
        let line = r#"{"time":"2026-11-24T08:00:05.250","type":"gps","vehicle":"V3","lat":37.5,"lon":"127.01","heading_deg":90}"#;
        let msg = parse(line).unwrap();
        let Body::Gps { lat, lon, .. } = &msg.body else {
            panic!("{msg:?}")
        };
        assert_eq!((lat.value(), lon.value()), (37.5, 127.01));
        assert_eq!(msg.body.topic("f1"), "petfleet/f1/vehicles/V3/gps");
        assert_eq!(parse(&to_line(&msg)).unwrap(), msg);
        assert_eq!(clock.parse(&msg.time), Ok(SimTime(8 * 3_600_000 + 5_250)));
        assert_eq!(
            clock.parse("2026-11-23T23:00:05Z"),
            Ok(SimTime(8 * 3_600_000 + 5_000))
        );
        assert_eq!(clock.format(SimTime(8 * 3_600_000 + 5_250)), msg.time);
        assert!(clock.parse("2026-11-23T23:59:59").is_err());
        assert!(clock.parse("08:00").is_err());
        let end = parse(r#"{"type":"end","time":"2026-11-25T06:00:00"}"#).unwrap();
        assert_eq!(end.body, Body::End {});
        assert!(parse(r#"{"type":"teleport","time":"2026-11-25T06:00:00"}"#).is_err());
        assert!(parse(r#"{"type":"gps","time":"x","vehicle":"V1","lat":NaN,"lon":1}"#).is_err());
    }
}

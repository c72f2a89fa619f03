//! The feed over MQTT (`rumqttc`, plain TCP, QoS 1: at least once, in order per
//! connection). Each message goes to its subject's topic ([`super::Body::topic`]); a line
//! that is not a feed message (to test a twin against bad input) goes to
//! `petfleet/<fleet>/unparsed`. The twin subscribes to `petfleet/<fleet>/#`.

use std::io::BufRead;
use std::time::Duration;

use rumqttc::{Client, Connection, Event, MqttOptions, Packet, QoS};

/// Where the broker is.
#[derive(Clone, Debug)]
pub struct Broker {
    /// Host name or address.
    pub host: String,
    /// TCP port.
    pub port: u16,
}

impl Broker {
    /// Reads `HOST:PORT` (a port alone means localhost).
    pub fn parse(s: &str) -> Result<Broker, String> {
        let (host, port) = s.rsplit_once(':').unwrap_or(("localhost", s));
        let port = port
            .parse()
            .map_err(|_| format!("`{s}`: expected HOST:PORT, such as localhost:1883"))?;
        let host = if host.is_empty() { "localhost" } else { host };
        Ok(Broker {
            host: host.to_string(),
            port,
        })
    }

    fn options(&self, role: &str) -> MqttOptions {
        let id = format!("petfleet-{role}-{}", std::process::id());
        let mut o = MqttOptions::new(id, self.host.clone(), self.port);
        o.set_keep_alive(Duration::from_secs(30));
        o.set_max_packet_size(1 << 20, 1 << 20);
        o
    }
}

/// Why the transport failed.
#[derive(Debug, thiserror::Error)]
pub enum MqttError {
    /// The broker refused or dropped the connection.
    #[error("MQTT broker {host}:{port}: {why}")]
    Broker {
        /// Host.
        host: String,
        /// Port.
        port: u16,
        /// What happened.
        why: String,
    },
    /// The feed file could not be read.
    #[error("reading the feed: {0}")]
    Io(#[from] std::io::Error),
}

fn broker_err(b: &Broker, why: impl ToString) -> MqttError {
    MqttError::Broker {
        host: b.host.clone(),
        port: b.port,
        why: why.to_string(),
    }
}

/// Publishes every line of `input` (NDJSON) to the broker under `fleet`, in order, paced
/// by `pace` (called with each message's line before it is sent), and returns the count
/// once the broker has acknowledged every message.
pub fn publish(
    broker: &Broker,
    fleet: &str,
    input: impl BufRead,
    mut pace: impl FnMut(&str),
) -> Result<u64, MqttError> {
    let (client, mut conn) = Client::new(broker.options("publish"), 1_000);
    wait_connected(broker, &mut conn)?;
    let (acks, acked) = std::sync::mpsc::channel();
    let driver = std::thread::spawn(move || drive(conn, acks));
    let mut sent = 0;
    for line in input.lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        pace(&line);
        let topic = super::parse(&line).map_or_else(
            |_| format!("petfleet/{fleet}/unparsed"),
            |m| m.body.topic(fleet),
        );
        client
            .publish(topic, QoS::AtLeastOnce, false, line.into_bytes())
            .map_err(|e| broker_err(broker, e))?;
        sent += 1;
    }
    let mut done = 0;
    while done < sent {
        match acked.recv_timeout(Duration::from_secs(30)) {
            Ok(n) => done = n,
            Err(_) => break,
        }
    }
    let _ = client.disconnect();
    let outcome = driver
        .join()
        .unwrap_or_else(|_| Err("the MQTT thread panicked".into()));
    outcome.map_err(|e| broker_err(broker, e))?;
    if done < sent {
        let why = format!("only {done} of {sent} messages were acknowledged within 30 s");
        return Err(broker_err(broker, why));
    }
    Ok(sent)
}

/// Waits for the broker's CONNACK.
fn wait_connected(broker: &Broker, conn: &mut Connection) -> Result<(), MqttError> {
    for ev in conn.iter() {
        match ev {
            Ok(Event::Incoming(Packet::ConnAck(_))) => return Ok(()),
            Ok(_) => {}
            Err(e) => return Err(broker_err(broker, e)),
        }
    }
    Err(broker_err(
        broker,
        "the connection closed before it was accepted",
    ))
}

/// Runs the connection, counting the broker's acknowledgements into `acks`, until the
/// client disconnects.
fn drive(mut conn: Connection, acks: std::sync::mpsc::Sender<u64>) -> Result<(), String> {
    let mut n = 0;
    for ev in conn.iter() {
        match ev {
            Ok(Event::Incoming(Packet::PubAck(_))) => {
                n += 1;
                let _ = acks.send(n);
            }
            Ok(Event::Outgoing(rumqttc::Outgoing::Disconnect)) => return Ok(()),
            Ok(_) => {}
            Err(e) => return Err(e.to_string()),
        }
    }
    Ok(())
}

/// Subscribes to `petfleet/<fleet>/#` and passes every message (topic, payload) to
/// `handle` until it returns `false`; `ready` is called once the subscription holds.
pub fn subscribe(
    broker: &Broker,
    fleet: &str,
    mut ready: impl FnMut(),
    mut handle: impl FnMut(&str, &[u8]) -> bool,
) -> Result<(), MqttError> {
    let (client, mut conn) = Client::new(broker.options("twin"), 1_000);
    let filter = format!("petfleet/{fleet}/#");
    client
        .subscribe(filter, QoS::AtLeastOnce)
        .map_err(|e| broker_err(broker, e))?;
    for ev in conn.iter() {
        match ev {
            Ok(Event::Incoming(Packet::SubAck(_))) => ready(),
            Ok(Event::Incoming(Packet::Publish(p))) => {
                if !handle(&p.topic, &p.payload) {
                    let _ = client.disconnect();
                    return Ok(());
                }
            }
            Ok(_) => {}
            Err(e) => return Err(broker_err(broker, e)),
        }
    }
    Ok(())
}

//! Channels as plug-ins: a [`Channel`] says how a text is measured on it, how long a text
//! it carries, and whether it can reach a recipient. Providers, prices and policies name
//! channels; a new channel is one new type registered in [`Channels`], with no change to
//! the delivery logic (see the `partner-app` channel in the tests).

use std::collections::BTreeMap;
use std::sync::Arc;

use super::provider::ErrorClass;

/// What a customer can be reached by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Recipient {
    /// Has the app installed with a registered push token.
    pub app: bool,
    /// Uses KakaoTalk (AlimTalk can reach them).
    pub kakao: bool,
    /// Gave an e-mail address.
    pub email: bool,
    /// Prefers AlimTalk to push (the customer's preference among the first channels).
    pub prefers_alimtalk: bool,
}

/// A delivery channel.
pub trait Channel: Send + Sync + std::fmt::Debug {
    /// Name in data files, scenarios and outputs.
    fn name(&self) -> &str;
    /// The length of `text` in the units of [`Channel::max_len`].
    fn len(&self, text: &str) -> usize;
    /// The longest text the channel carries.
    fn max_len(&self) -> usize;
    /// Whether the sender holds an address for `r` on this channel (a push token, a phone
    /// number, an e-mail address); if not, the channel is skipped without an attempt.
    fn addressable(&self, r: &Recipient) -> bool;
    /// Whether `r` can actually receive on it; if not, an attempt fails permanently
    /// (AlimTalk to a phone whose owner does not use KakaoTalk).
    fn receives(&self, _r: &Recipient) -> bool {
        true
    }
    /// How a provider of this channel refuses a message for good.
    fn permanent_error(&self) -> ErrorClass {
        ErrorClass::InvalidRecipient
    }
}

/// Bytes of `text` in EUC-KR: ASCII one byte, a Hangul syllable (and any other character
/// the carriers' 2-byte code carries) two.
pub fn euc_kr_len(text: &str) -> usize {
    text.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
}

/// App push (FCM / APNs): a 4,096-byte UTF-8 payload, to customers with the app.
#[derive(Debug)]
pub struct Push;

impl Channel for Push {
    fn name(&self) -> &str {
        "push"
    }
    fn len(&self, text: &str) -> usize {
        text.len()
    }
    fn max_len(&self) -> usize {
        4_096
    }
    fn addressable(&self, r: &Recipient) -> bool {
        r.app
    }
    fn permanent_error(&self) -> ErrorClass {
        ErrorClass::Unregistered
    }
}

/// SMS: 90 bytes of EUC-KR (45 Hangul syllables), to any phone.
#[derive(Debug)]
pub struct Sms;

impl Channel for Sms {
    fn name(&self) -> &str {
        "sms"
    }
    fn len(&self, text: &str) -> usize {
        euc_kr_len(text)
    }
    fn max_len(&self) -> usize {
        90
    }
    fn addressable(&self, _: &Recipient) -> bool {
        true
    }
}

/// LMS: 2,000 bytes of EUC-KR, to any phone.
#[derive(Debug)]
pub struct Lms;

impl Channel for Lms {
    fn name(&self) -> &str {
        "lms"
    }
    fn len(&self, text: &str) -> usize {
        euc_kr_len(text)
    }
    fn max_len(&self) -> usize {
        2_000
    }
    fn addressable(&self, _: &Recipient) -> bool {
        true
    }
}

/// KakaoTalk AlimTalk: approved templates up to 1,000 characters, to KakaoTalk users.
#[derive(Debug)]
pub struct AlimTalk;

impl Channel for AlimTalk {
    fn name(&self) -> &str {
        "alimtalk"
    }
    fn len(&self, text: &str) -> usize {
        text.chars().count()
    }
    fn max_len(&self) -> usize {
        1_000
    }
    fn addressable(&self, _: &Recipient) -> bool {
        true
    }
    fn receives(&self, r: &Recipient) -> bool {
        r.kakao
    }
    fn permanent_error(&self) -> ErrorClass {
        ErrorClass::TemplateRejected
    }
}

/// E-mail, to customers who gave an address.
#[derive(Debug)]
pub struct Email;

impl Channel for Email {
    fn name(&self) -> &str {
        "email"
    }
    fn len(&self, text: &str) -> usize {
        text.len()
    }
    fn max_len(&self) -> usize {
        100_000
    }
    fn addressable(&self, r: &Recipient) -> bool {
        r.email
    }
}

/// The channels a run knows, by name.
#[derive(Clone, Debug)]
pub struct Channels {
    by_name: BTreeMap<String, Arc<dyn Channel>>,
}

impl Channels {
    /// The bundled channels: push, SMS, LMS, AlimTalk and e-mail.
    pub fn bundled() -> Channels {
        let mut c = Channels {
            by_name: BTreeMap::new(),
        };
        for ch in [
            Arc::new(Push) as Arc<dyn Channel>,
            Arc::new(Sms),
            Arc::new(Lms),
            Arc::new(AlimTalk),
            Arc::new(Email),
        ] {
            c.add(ch);
        }
        c
    }

    /// Adds (or replaces) a channel.
    pub fn add(&mut self, channel: Arc<dyn Channel>) {
        self.by_name.insert(channel.name().to_string(), channel);
    }

    /// The channel called `name`.
    pub fn get(&self, name: &str) -> Option<&Arc<dyn Channel>> {
        self.by_name.get(name)
    }

    /// The names, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.by_name.keys().map(String::as_str)
    }
}

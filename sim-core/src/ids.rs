//! Identifiers: `u32` newtypes with `Display`, never bare integers.

use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        pub struct $name(pub u32);

        impl $name {
            /// The id as an index into a dense `Vec`.
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($prefix, "{}"), self.0)
            }
        }
    };
}

id_type!(
    /// An actor in the engine: a dense index assigned at registration.
    ActorId,
    "A"
);
id_type!(
    /// A vehicle of the fleet (0-based, in scenario order).
    VehicleId,
    "V"
);
id_type!(
    /// A node of the road network (row index in `nodes.csv`).
    NodeId,
    "N"
);
id_type!(
    /// A directed edge of the road network.
    EdgeId,
    "E"
);
id_type!(
    /// A traffic incident (accident), numbered in order of occurrence.
    IncidentId,
    "I"
);
id_type!(
    /// A customer (household).
    CustomerId,
    "C"
);
id_type!(
    /// A pet.
    PetId,
    "P"
);
id_type!(
    /// A booking.
    BookingId,
    "B"
);
id_type!(
    /// A partner: vet clinic, groomer or pet hotel.
    PartnerId,
    "Q"
);

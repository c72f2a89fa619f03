# PetFleet Twin: the `petfleet` binary on a slim base. The scenarios and the bundled data
# are compiled into the binary, so the image needs nothing else.
#   docker build -t petfleet:latest .
#   docker run --rm -v "$PWD/out:/out" petfleet:latest sweep seoul-weekday \
#       --grid 'depots.*.vehicles=20..90:10' --replications 10 --out /out/sweep
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin petfleet

FROM debian:bookworm-slim
RUN useradd --create-home --uid 10001 petfleet
COPY --from=build /src/target/release/petfleet /usr/local/bin/petfleet
USER petfleet
WORKDIR /home/petfleet
ENTRYPOINT ["petfleet"]

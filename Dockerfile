# syntax=docker/dockerfile:1
# hedged container image: a Debian 12 build stage and a slim runtime stage with the runtime
# libraries only.
#   docker build -t hedged .
#   docker run --rm -p 127.0.0.1:9464:9464 hedged      # the embedded simulator and venue
#   docker compose -f deploy/compose.yaml up --build    # with Prometheus and Grafana
# The image runs `hedged run -c /etc/hedged/hedged.yaml`: deploy/docker/hedged.yaml, which is
# config/default.yaml with the metrics endpoint and the admin API on 0.0.0.0 (so a published port and other
# containers reach it) and its paths pointing at /etc/hedged/config, a copy of config/. Mount your
# own configuration over /etc/hedged (or /etc/hedged/config) to trade something else. Other
# commands: docker run --rm --entrypoint hedged hedged check-config /etc/hedged/hedged.yaml

# ---- build ---------------------------------------------------------------------------------
FROM debian:bookworm AS build
WORKDIR /src
# The dependency layer first, so source changes do not reinstall packages.
COPY deploy/install-deps.sh deploy/install-deps.sh
RUN bash deploy/install-deps.sh && rm -rf /var/lib/apt/lists/*
# Only what the daemon's build needs (no build/, tests/ or .git in the image's layers).
COPY CMakeLists.txt CMakePresets.json ./
COPY core/ core/
COPY adapters/ adapters/
COPY daemon/ daemon/
COPY config/ config/
# The release preset (-O2, -Werror, Ninja, two jobs); ccache keeps a cache across builds
# (BuildKit cache mount). Installs the stripped binary and config/ under /out/usr/local.
RUN --mount=type=cache,target=/root/.cache/ccache \
    cmake --preset release -DHEDGED_BUILD_TESTS=OFF -DHEDGED_BUILD_BENCH=OFF \
 && cmake --build --preset release --target hedged \
 && DESTDIR=/out cmake --install build/release --prefix /usr/local --strip \
 && /out/usr/local/bin/hedged version

# ---- runtime -------------------------------------------------------------------------------
FROM debian:bookworm-slim
LABEL org.opencontainers.image.title="hedged" \
      org.opencontainers.image.description="Real-time hedging daemon for options market makers"
# Runtime libraries only (run_packages in deploy/install-deps.sh: QuickFIX, fmt, yaml-cpp,
# prometheus-cpp and what they pull in), and the unprivileged user the daemon runs as.
COPY deploy/install-deps.sh /tmp/install-deps.sh
RUN bash /tmp/install-deps.sh --run \
 && rm -rf /var/lib/apt/lists/* /tmp/install-deps.sh \
 && groupadd --system --gid 10001 hedged \
 && useradd --system --uid 10001 --gid hedged --home-dir /var/lib/hedged --no-create-home \
      --shell /usr/sbin/nologin hedged \
 && install -d -o hedged -g hedged -m 0750 /var/lib/hedged
# /usr/local/bin/hedged and /usr/local/share/hedged/config (the installed examples).
COPY --from=build /out/usr/local/ /usr/local/
COPY config/ /etc/hedged/config/
COPY deploy/docker/hedged.yaml /etc/hedged/hedged.yaml
# A kill-switch file left in a working tree must not halt every container of the image.
RUN rm -f /etc/hedged/config/halt.flag \
 && hedged check-config /etc/hedged/hedged.yaml /etc/hedged/config/limits.yaml

# The journal (coming: append-only, fsync'd records the daemon recovers from on start) lives here;
# keep it on a volume so it survives the container. Created above owned by hedged, so a new
# named volume starts with that owner.
VOLUME ["/var/lib/hedged"]
WORKDIR /var/lib/hedged

# 10001 is the hedged user; numeric so Kubernetes' runAsNonRoot can verify it.
USER 10001:10001

# 9464: Prometheus metrics (GET /metrics). 8080: the admin API (GET /health, /ready, /status;
# POST /halt, /resume, /flatten, /reload with the token in HEDGED_ADMIN_TOKEN). The embedded
# venue simulator's FIX ports (9878, drop copy 9879) are loopback-only and not exposed.
EXPOSE 9464 8080

# Liveness: GET /health on the admin API (200 while every agent runs), with bash's /dev/tcp since
# the slim image has no curl. If you change admin.listen's port, change it here too.
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /health HTTP/1.0\\r\\nHost: 127.0.0.1\\r\\n\\r\\n' >&3 && IFS= read -r status <&3 && [[ $status == *' 200 '* ]]"]

# SIGTERM: halt, cancel working orders, log out of FIX, exit 0 within 3 s (docker stop waits 10 s).
# SIGHUP re-reads the limits file, SIGUSR1 halts (kill switch), SIGUSR2 resumes:
#   docker kill -s SIGUSR1 <container>
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/hedged", "run", "-c", "/etc/hedged/hedged.yaml"]

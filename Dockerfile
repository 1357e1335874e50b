# hedged container image: a Debian 12 build stage and a slim runtime stage.
#   docker build -t hedged .
#   docker run --rm -p 127.0.0.1:9464:9464 hedged            # embedded simulator + venue
# The metrics endpoint listens on 127.0.0.1 by default; the image's config listens on 0.0.0.0
# inside the container so the published port reaches it.
FROM debian:12 AS build
WORKDIR /src
COPY deploy/install-deps.sh deploy/install-deps.sh
RUN bash deploy/install-deps.sh
COPY . .
RUN cmake --preset release -DHEDGED_BUILD_TESTS=OFF -DHEDGED_BUILD_BENCH=OFF \
 && cmake --build --preset release -j 2 \
 && cmake --install build/release --prefix /opt/hedged

FROM debian:12-slim
COPY deploy/install-deps.sh /tmp/install-deps.sh
RUN bash /tmp/install-deps.sh --run && rm -rf /var/lib/apt/lists/* /tmp/install-deps.sh \
 && useradd --system --home /var/lib/hedged --create-home hedged
COPY --from=build /opt/hedged /opt/hedged
RUN sed -i 's/listen: 127.0.0.1:9464/listen: 0.0.0.0:9464/' /opt/hedged/share/hedged/config/default.yaml
USER hedged
EXPOSE 9464
STOPSIGNAL SIGTERM
ENTRYPOINT ["/opt/hedged/bin/hedged"]
CMD ["run", "-c", "/opt/hedged/share/hedged/config/default.yaml"]

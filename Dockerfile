# ssm-sidecar container image.
#
#   docker build -t ssm-sidecar .            (or: podman build --format docker -t ssm-sidecar .)
#   docker buildx build --platform linux/amd64,linux/arm64 -t REGISTRY/ssm-sidecar:TAG --push .
#   podman build --format docker --platform linux/amd64,linux/arm64 --manifest ssm-sidecar .
#
# Three stages: Maven builds the jar on the build machine's own architecture (BUILDPLATFORM: a jar is the same
# bytes for every architecture, and Maven under emulation would be several times slower); a JDK stage of the
# target architecture links a JRE with only the modules the jar needs and trains the JVM's class data; the final
# stage is that JRE, the jar and nothing else on a glibc-only base: no shell, no package manager, a fixed
# non-root user. scripts/container-test builds this file from local base images and runs it as an ECS-like pod.
#
# Multi-arch: jlink copies the target JDK's own native libraries and JVM, and the AOT cache can only be written
# by the JVM that will read it, so both run in the target-architecture stage. Building for another architecture
# than the machine's therefore runs jlink and the training run under QEMU emulation (binfmt_misc: Docker Desktop
# has it; on Linux `docker run --privileged --rm tonistiigi/binfmt --install arm64`, or Debian's qemu-user-static
# for podman): it works, only slower. The base images (maven:*-eclipse-temurin-*, distroless) are multi-arch.
#
# Build arguments:
#   BUILD_IMAGE   JDK + Maven image. The JDK's version is the runtime's version (jlink). Default: JDK 25,
#                 whose AOT cache more than halves start-up (any JDK >= 17 works: it then gets AppCDS).
#   RUNTIME_BASE  glibc base without a JDK, e.g. gcr.io/distroless/base-debian12 or debian:bookworm-slim. It must
#                 have the libraries the JRE loads: glibc for Temurin (it bundles zlib); glibc and zlib for Debian's JDK.
#   MAVEN_FLAGS   extra Maven flags, e.g. "-o" for an offline build against a mounted ~/.m2.
#   JVM_FLAGS     replaces the JVM flags of src/main/jvm/jvm.options (see below); written to /app/jvm.options.
#   JLINK_EXTRA_MODULES  modules jdeps cannot see (loaded by name or as services).
#   JLINK_DROP_MODULES   modules jdeps lists that nothing loads (see below); empty keeps everything jdeps finds.
#   CDS           auto (default): train class data at build time; off: none (the JDK's default CDS archive). Measured
#                 on 2 busy cores (medians, docs/deployment.md "The image"): the AOT cache (JDK 25) brings `run` to /readyz with
#                 0.55 s of CPU instead of 1.5 s (default archive) or 1.6 s (none); it adds 48 MiB on disk, 11 MiB
#                 gzipped, against the default archive's 7 MiB: ~4 MiB more per pull for ~1 s of CPU, ~4 s of wall
#                 on a 256-CPU-unit task. Worth it for a container started with every task.
ARG BUILD_IMAGE=maven:3.9-eclipse-temurin-25
ARG RUNTIME_BASE=gcr.io/distroless/base-debian12

# The jar: on the build machine's architecture.
FROM --platform=${BUILDPLATFORM} ${BUILD_IMAGE} AS jar
ARG MAVEN_FLAGS=""
WORKDIR /src
COPY pom.xml ./
COPY src/main ./src/main
RUN mvn -B -q ${MAVEN_FLAGS} -Dmaven.test.skip=true package

# The runtime: on the target architecture (TARGETPLATFORM, the default for a stage).
FROM ${BUILD_IMAGE} AS build
# The JVM flags live in one place, src/main/jvm/jvm.options (a java @argfile: one flag per line, each with the
# measurement behind it; bench/run measures "the image's JVM" with the same file), copied below and
# written to /app/jvm.options; the AOT training run and every start of the image use them. JVM_FLAGS, when set,
# replaces the file's flags (e.g. --build-arg JVM_FLAGS="-XX:+UseSerialGC -Xmx64m").
ARG JVM_FLAGS=""
# jdk.crypto.ec: EC keys and TLS suites on JDK <= 21 (empty from 22 on). java.logging: the JDK's System.Logger
# backend, as in a full JDK (and the default CDS class list of JDK 17-24 expects it).
ARG JLINK_EXTRA_MODULES="jdk.crypto.ec,java.logging"
# jdeps sees every class in the jar; these modules are referenced only by code the sidecar never runs: Jetty's
# JNDI, JAAS, SPNEGO, session store, webapp and leak-preventer classes (java.naming, java.security.jgss, java.sql,
# java.instrument, java.desktop), the Jakarta transaction API (java.rmi), Micrometer's JVM binders (jdk.management),
# and the java.beans annotations Jackson and the SDK models look up only when present (java.desktop: AWT, fonts,
# image I/O). With -Xlog:class+load no class of these modules loads in `run`, `init`, `get`, `exec`, `policy`,
# `demo`, `healthcheck` or `local-ssm`; scripts/container-test runs the image without them and does an HTTPS
# request with host name verification in it. Leaving them out takes ~40 MB off the JRE.
ARG JLINK_DROP_MODULES="java.desktop,java.instrument,java.naming,java.rmi,java.security.jgss,java.sql,jdk.management"
ARG CDS=auto
COPY --from=jar /src/target/ssm-sidecar.jar /app/ssm-sidecar.jar
COPY src/main/jvm/jvm.options /src/src/main/jvm/jvm.options
COPY scripts/image-runtime.sh /usr/local/lib/ssm-sidecar/image-runtime.sh
RUN JVM_FLAGS="${JVM_FLAGS}" JVM_OPTIONS_FILE=/src/src/main/jvm/jvm.options \
    JLINK_EXTRA_MODULES="${JLINK_EXTRA_MODULES}" JLINK_DROP_MODULES="${JLINK_DROP_MODULES}" CDS="${CDS}" \
    sh /usr/local/lib/ssm-sidecar/image-runtime.sh

FROM ${RUNTIME_BASE}
COPY --from=build /opt/jre /opt/jre
COPY --from=build /app /app
COPY --from=build /out/ /
# MALLOC_ARENA_MAX: two glibc malloc arenas instead of eight per core, for a few MiB less RSS
# (part of the image settings measured in bench/RESULTS.md; not A/B-tested on its own).
ENV PATH=/opt/jre/bin:/usr/bin:/bin \
    MALLOC_ARENA_MAX=2
# The output directory, declared as a volume so ECS copies its owner and mode into the task's shared volume.
VOLUME ["/run/secrets"]
USER 10001:10001
# No EXPOSE: the API listens on 127.0.0.1:2773 inside the task's network namespace, for the app only.
ENTRYPOINT ["java", "@/app/jvm.options", "-jar", "/app/ssm-sidecar.jar"]
CMD ["run"]
# Exec form: no shell in the image. Each check is a short JVM: ~0.05 s of CPU and ~40 MiB for a moment (measured
# with the AOT cache), so every 5 s costs ~1% of a core and lets a dependent app start within ~5 s of readiness.
HEALTHCHECK --interval=5s --timeout=5s --start-period=10s --retries=3 \
    CMD ["java", "@/app/jvm.options", "-jar", "/app/ssm-sidecar.jar", "healthcheck"]

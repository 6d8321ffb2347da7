#!/bin/sh
# Runs inside the Dockerfile's build stage (POSIX sh: the stage may be Debian, Ubuntu or busybox based).
# Turns the built jar into the runtime tree the final stage copies whole:
#   /opt/jre                     a jlink'ed JRE with exactly the modules the jar needs
#   /app/ssm-sidecar.jar         the application
#   /app/jvm.options             the JVM flags (an @argfile: ENTRYPOINT, HEALTHCHECK and users share it)
#   /app/ssm-sidecar.aot|.jsa    class data from a training run (JDK 25+: AOT cache; JDK 17-24: AppCDS)
#   /etc/passwd, /etc/group      the fixed non-root user 10001
#   /run/secrets                 the output directory, owned by that user (ECS copies it into the task volume)
# Inputs (environment, set from the Dockerfile's ARGs): JVM_OPTIONS_FILE (the flags, src/main/jvm/jvm.options),
# JVM_FLAGS (replaces that file's flags when set), JLINK_EXTRA_MODULES, JLINK_DROP_MODULES, CDS (auto|off).
set -eu

jar=/app/ssm-sidecar.jar
jre=/opt/jre
uid=10001

say() { echo "image-runtime: $*"; }

# The training workload: the production start-up path, `run` against the local SSM endpoint (through the
# same SDK code and the AWS_ENDPOINT_URL_SSM override), until ready, then a few API requests, then SIGTERM.
# The JVM writes the class data when it exits. $1 is the flag that makes it do so.
train() {
    dir=/tmp/ssm-sidecar-training
    mkdir -p "${dir}/out"
    cat > "${dir}/seed.json" <<'EOF'
{"parameters": [
  {"name": "/train/db/password", "value": "training-only", "type": "SecureString"},
  {"name": "/train/app/url", "value": "https://example.invalid"},
  {"name": "/train/app/flag", "value": "on"}],
 "secrets": [{"id": "train/api", "secretString": "{\"key\": \"training-only\"}"}]}
EOF
    # Port 0 everywhere: a build shares the host's network, where any fixed port may be taken (or be someone
    # else's endpoint). Both processes say which port they got.
    "${jre}/bin/java" -XX:TieredStopAtLevel=1 -jar "${jar}" local-ssm --port 0 \
        --seed "${dir}/seed.json" > "${dir}/local-ssm.log" 2>&1 &
    ssm_pid=$!
    endpoint=$(await_line "${dir}/local-ssm.log" 's|^\(http://127\.0\.0\.1:[0-9]*\)$|\1|p' "${ssm_pid}") \
        || fail_training "the local SSM endpoint did not start" "${dir}/local-ssm.log"
    SIDECAR_OUTPUT_DIR="${dir}/out" SIDECAR_TOKEN=training-token SIDECAR_HTTP_PORT=0 \
    AWS_ENDPOINT_URL_SSM="${endpoint}" AWS_REGION=us-east-1 \
    AWS_ACCESS_KEY_ID=AKIDTRAINING AWS_SECRET_ACCESS_KEY=training \
    DB_PASSWORD=ssm:///train/db/password API_KEY='ssm:///aws/reference/secretsmanager/train/api#key' \
    APP='ssm:///train/app/*' \
        "${jre}/bin/java" @/app/jvm.options "$1" -jar "${jar}" run > "${dir}/run.log" 2>&1 &
    run_pid=$!
    port=$(await_line "${dir}/run.log" 's|.*http API listening address=127\.0\.0\.1 port=\([0-9]*\).*|\1|p' "${run_pid}") \
        || fail_training "the training run did not listen" "${dir}/run.log"
    tries=0
    until "${jre}/bin/java" @/app/jvm.options -jar "${jar}" healthcheck --port "${port}" > /dev/null 2>&1; do
        tries=$((tries + 1))
        if [ "${tries}" -ge 120 ] || ! kill -0 "${run_pid}" 2>/dev/null; then
            fail_training "the training run never got ready" "${dir}/run.log"
        fi
        sleep 0.5
    done
    # Exercise the request path when the stage has an HTTP client (the Temurin images have curl; busybox has wget).
    for path in /v1/secrets /v1/secrets/DB_PASSWORD /v1/secrets/API_KEY \
                '/systemsmanager/parameters/get?name=%2Ftrain%2Fdb%2Fpassword&withDecryption=true' \
                '/secretsmanager/get?secretId=train%2Fapi' /metrics /healthz /readyz /ping POST/v1/refresh; do
        method=GET
        case "${path}" in POST*) method=POST path=${path#POST} ;; esac
        if command -v curl > /dev/null; then
            curl -fsS -o /dev/null -X "${method}" -H 'X-Aws-Parameters-Secrets-Token: training-token' \
                "http://127.0.0.1:${port}${path}" || true
        elif command -v wget > /dev/null && [ "${method}" = GET ]; then
            wget -q -O /dev/null --header 'X-Aws-Parameters-Secrets-Token: training-token' \
                "http://127.0.0.1:${port}${path}" || true
        elif command -v wget > /dev/null; then
            wget -q -O /dev/null --post-data '' --header 'X-Aws-Parameters-Secrets-Token: training-token' \
                "http://127.0.0.1:${port}${path}" || true
        fi
    done
    kill -TERM "${run_pid}"
    wait "${run_pid}" || fail_training "the training run exited with $? on SIGTERM" "${dir}/run.log"
    kill -TERM "${ssm_pid}" 2>/dev/null || true
    wait "${ssm_pid}" 2>/dev/null || true
    rm -rf "${dir}"
}

# Prints the first match of the sed expression $2 in the log $1, waiting up to 60 s while the process $3 lives.
await_line() {
    tries=0
    while [ "${tries}" -lt 240 ] && kill -0 "$3" 2>/dev/null; do
        found=$(sed -n "$2" "$1" | head -n 1)
        if [ -n "${found}" ]; then
            echo "${found}"
            return 0
        fi
        tries=$((tries + 1))
        sleep 0.25
    done
    return 1
}

fail_training() {
    say "$1; its log:"
    cat "$2"
    kill "${run_pid:-}" "${ssm_pid:-}" 2>/dev/null || true
    exit 1
}

feature=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p')
say "build JDK feature release ${feature}, architecture $(uname -m) (the image's: jlink and the class data are per architecture)"

# 1. A JRE with the modules jdeps finds in the jar, plus the ones loaded only by name or as services
#    (jdk.crypto.ec: EC keys and TLS cipher suites on JDK <= 21; an empty module from JDK 22 on).
#    The JDK's default CDS archive (~28 MiB) is only generated when no AOT cache replaces it.
#    jdk.unsupported always: the sidecar's own signal handlers (SIGHUP refresh, SIGTERM, exec's forwarding) use
#    sun.misc.Signal, reached by name, so jdeps cannot see it; it used to come in only because trimmed dependencies
#    (shaded protobuf, ASM) referenced sun.misc.Unsafe.
#    Then without the modules only unused code refers to (JLINK_DROP_MODULES; the Dockerfile says why). A dropped
#    module that a kept one requires comes back through jlink's own resolution.
found=$(jdeps --print-module-deps --ignore-missing-deps --multi-release "${feature}" "${jar}")
say "jdeps modules: ${found}"
modules=
for module in $(echo "${found},jdk.unsupported,${JLINK_EXTRA_MODULES:-}" | tr ',' ' '); do
    case ",${JLINK_DROP_MODULES:-},${modules}," in
        *",${module},"*) ;;
        *) modules="${modules:+${modules},}${module}" ;;
    esac
done
say "jlink modules: ${modules} (left out: ${JLINK_DROP_MODULES:-none})"
cds_archive=--generate-cds-archive
if [ "${CDS:-auto}" = auto ] && [ "${feature}" -ge 25 ]; then
    cds_archive=
fi
# --strip-debug also strips native symbols with objcopy (binutils); without it, strip the Java attributes only.
strip=--strip-debug
command -v objcopy > /dev/null || strip=--strip-java-debug-attributes
jlink --add-modules "${modules}" ${strip} --no-man-pages --no-header-files ${cds_archive} --output "${jre}"
say "JRE modules: $("${jre}/bin/java" --list-modules | sed 's/@.*//' | tr '\n' ' ')"

# 2. The flags, one per line, in one file: the training run below must use exactly the flags the
#    image runs with (a cache trained under other flags is silently ignored or refused).
: > /app/jvm.options
if [ -z "${JVM_FLAGS:-}" ]; then
    # The flags of the project's one options file, without its comments.
    JVM_FLAGS=$(sed 's/#.*//' "${JVM_OPTIONS_FILE:?JVM_OPTIONS_FILE or JVM_FLAGS must be set}")
fi
for flag in ${JVM_FLAGS}; do
    echo "${flag}" >> /app/jvm.options
done

# 3. Class data from a training run of the real start-up path: `run` against the local SSM endpoint,
#    serving a few HTTP requests, then SIGTERM (the cache is written when the JVM exits).
case "${CDS:-auto}" in
    off)
        say "CDS=off: no class data archive"
        ;;
    auto)
        if [ "${feature}" -ge 25 ]; then
            archive=/app/ssm-sidecar.aot
            train_flag="-XX:AOTCacheOutput=${archive}"
            use_flag="-XX:AOTCache=${archive}"
        else
            archive=/app/ssm-sidecar.jsa
            train_flag="-XX:ArchiveClassesAtExit=${archive}"
            use_flag="-XX:SharedArchiveFile=${archive}"
        fi
        train "${train_flag}"
        test -s "${archive}" || { say "training run wrote no ${archive}"; exit 1; }
        echo "${use_flag}" >> /app/jvm.options
        say "class data archive ${archive}: $(wc -c < "${archive}") bytes"
        ;;
    *)
        say "CDS must be auto or off, got '${CDS}'"
        exit 1
        ;;
esac
say "jvm.options: $(tr '\n' ' ' < /app/jvm.options)"

# 4. The user and the output directory.
mkdir -p /out/etc /out/run/secrets
printf 'root:x:0:0:root:/root:/sbin/nologin\nssm-sidecar:x:%s:%s:ssm-sidecar:/nonexistent:/sbin/nologin\n' \
    "${uid}" "${uid}" > /out/etc/passwd
printf 'root:x:0:\nssm-sidecar:x:%s:\n' "${uid}" > /out/etc/group
chown "${uid}:${uid}" /out/run/secrets
chmod 0750 /out/run/secrets

# 5. The kill binary, for SIDECAR_ON_CHANGE_SIGNAL (Java itself can only send TERM). It needs only libc, which the
#    runtime base provides; without it a signal notification other than TERM is reported as failed.
for k in /bin/kill /usr/bin/kill; do
    if [ -x "${k}" ] && [ ! -L "${k}" ]; then
        mkdir -p /out/usr/bin
        cp "${k}" /out/usr/bin/kill
        say "kill: copied from ${k}"
        break
    fi
done

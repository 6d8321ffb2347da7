#!/bin/sh
# Runs inside the Dockerfile's build stage (POSIX sh: the stage may be Debian, Ubuntu or busybox based).
# Turns the built jar into the runtime tree the final stage copies whole:
#   /opt/jre                     a jlink'ed JRE with exactly the modules the jar needs
#   /app/ssm-sidecar.jar         the application
#   /app/jvm.options             the JVM flags (an @argfile: ENTRYPOINT, HEALTHCHECK and users share it)
#   /app/ssm-sidecar.aot|.jsa    class data from a training run (JDK 25+: AOT cache; JDK 17-24: AppCDS)
#   /etc/passwd, /etc/group      the fixed non-root user 10001
#   /run/secrets                 the output directory, owned by that user (ECS copies it into the task volume)
# Inputs (environment, set from the Dockerfile's ARGs): JVM_FLAGS, JLINK_EXTRA_MODULES, CDS (auto|off).
set -eu

jar=/app/ssm-sidecar.jar
jre=/opt/jre
uid=10001

say() { echo "image-runtime: $*"; }

# The training workload. TODO(main): run + local-ssm once they land; --help proves the mechanism today.
train() {
    "${jre}/bin/java" @/app/jvm.options "$1" -jar "${jar}" --help > /dev/null
}

feature=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p')
say "build JDK feature release ${feature}"

# 1. A JRE with the modules jdeps finds in the jar, plus the ones loaded only by name or as services
#    (jdk.crypto.ec: EC keys and TLS cipher suites on JDK <= 21; an empty module from JDK 22 on).
#    The JDK's default CDS archive (~28 MiB) is only generated when no AOT cache replaces it.
modules=$(jdeps --print-module-deps --ignore-missing-deps --multi-release "${feature}" "${jar}")
modules="${modules}${JLINK_EXTRA_MODULES:+,${JLINK_EXTRA_MODULES}}"
say "jlink modules: ${modules}"
cds_archive=--generate-cds-archive
if [ "${CDS:-auto}" = auto ] && [ "${feature}" -ge 25 ]; then
    cds_archive=
fi
jlink --add-modules "${modules}" --strip-debug --no-man-pages --no-header-files ${cds_archive} --output "${jre}"

# 2. The flags, one per line, in one file: the training run below must use exactly the flags the
#    image runs with (a cache trained under other flags is silently ignored or refused).
: > /app/jvm.options
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

package io.ssmsidecar.localssm;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Who may read what, as far as tests need it: roles that STS {@code AssumeRole} may assume (with the external id
 * each demands), the sessions it issued (access key id to role and expiry), and accounts whose secrets only some
 * principals may read (a stand-in for the secret's resource policy plus the role's permissions). An account that was
 * never guarded is open to every caller, as local-ssm always was. Thread-safe.
 */
final class Identities {
    /** STS's patterns for RoleSessionName and ExternalId, from botocore's sts model. */
    private static final Pattern SESSION_NAME = Pattern.compile("[\\w+=,.@-]{2,64}");
    private static final Pattern EXTERNAL_ID = Pattern.compile("[\\w+=,.@:/-]{2,1224}");
    private static final Pattern ROLE_ARN = Pattern.compile("arn:aws[a-z-]*:iam::([0-9]{12}):role/([\\w+=,.@/-]{1,512})");
    private static final String KEY_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    /** A role STS may assume: the external id it demands (null: none) and how long its sessions last. */
    record Role(String arn, String externalId, Duration sessionLength) {
    }

    /** One issued session (its secret key and token are in {@link #issuedSecrets()}, for leak searches). */
    record Session(String accessKeyId, String roleArn, String sessionName, Instant expiration) {
    }

    /** What {@code AssumeRole} answers; {@code toString()} names the key id only. */
    record Issued(Session session, String secretAccessKey, String sessionToken) {
        @Override
        public String toString() {
            return "Issued[" + session.accessKeyId() + "]";
        }
    }

    private final Map<String, Role> roles = new ConcurrentHashMap<>();
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> guarded = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();
    /** The secret keys and tokens handed out (the latest 1,000), for tests to search logs for. */
    private final java.util.Deque<String> issuedSecrets = new java.util.concurrent.ConcurrentLinkedDeque<>();

    /** Declares a role STS may assume; {@code sessionLength} null: the DurationSeconds asked for, else 1 h. */
    void declareRole(String arn, String externalId, Duration sessionLength) {
        if (!ROLE_ARN.matcher(arn).matches()) {
            throw new IllegalArgumentException("'roleArn' must be an IAM role ARN such as "
                    + "arn:aws:iam::210987654321:role/reader");
        }
        if (externalId != null && !EXTERNAL_ID.matcher(externalId).matches()) {
            throw new IllegalArgumentException("'externalId' must be 2 to 1224 of [\\w+=,.@:/-]");
        }
        roles.put(arn, new Role(arn, externalId, sessionLength));
    }

    /**
     * Only {@code principals} (role ARNs: callers signing with a session of that role; or access key ids) may read
     * the secrets of {@code account}; others are answered AccessDeniedException.
     */
    void guard(String account, List<String> principals) {
        if (!account.matches("[0-9]{12}")) {
            throw new IllegalArgumentException("'account' must be 12 digits, got '" + account + "'");
        }
        guarded.put(account, Set.copyOf(principals));
    }

    /** STS {@code AssumeRole}, called with key {@code caller}. */
    Issued assume(String roleArn, String sessionName, String externalId, Integer durationSeconds, String caller,
                  Instant now) {
        if (roleArn == null || roleArn.length() < 20 || sessionName == null) {
            throw new SsmError("ValidationError", 400, "RoleArn and RoleSessionName are required");
        }
        if (!SESSION_NAME.matcher(sessionName).matches()) {
            throw new SsmError("ValidationError", 400, "1 validation error detected: Value '" + sessionName
                    + "' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression "
                    + "pattern: [\\w+=,.@-]*");
        }
        if (durationSeconds != null && (durationSeconds < 900 || durationSeconds > 43200)) {
            throw new SsmError("ValidationError", 400, "DurationSeconds must be between 900 and 43200");
        }
        Role role = roles.get(roleArn);
        String who = principal(caller);
        if (role == null || (role.externalId() != null && !role.externalId().equals(externalId))) {
            throw new SsmError("AccessDenied", 403, "User: " + who + " is not authorized to perform: sts:AssumeRole on"
                    + " resource: " + roleArn);
        }
        Duration length = role.sessionLength() != null ? role.sessionLength()
                : Duration.ofSeconds(durationSeconds == null ? 3600 : durationSeconds);
        Session session = new Session("ASIA" + random(16), roleArn, sessionName, now.plus(length));
        sessions.put(session.accessKeyId(), session);
        Issued issued = new Issued(session, random(40), random(64));
        issuedSecrets.addLast(issued.secretAccessKey());
        issuedSecrets.addLast(issued.sessionToken());
        while (issuedSecrets.size() > 1000) {
            issuedSecrets.pollFirst();
        }
        return issued;
    }

    /** The secret access keys and session tokens issued so far (the latest 1,000). */
    List<String> issuedSecrets() {
        return List.copyOf(issuedSecrets);
    }

    /** The session a key belongs to, or null for a key STS here did not issue. */
    Session session(String accessKeyId) {
        return sessions.get(accessKeyId);
    }

    /** Refuses a call signed with a session key past its expiry, as AWS does. */
    void checkNotExpired(String accessKeyId, Instant now) {
        Session s = sessions.get(accessKeyId);
        if (s != null && !now.isBefore(s.expiration())) {
            throw new SsmError("ExpiredTokenException", 400, "The security token included in the request is expired");
        }
    }

    /** Refuses {@code caller} a secret in a guarded account it is not a listed principal of. */
    void checkRead(String secretId, String caller, String action) {
        String account = account(secretId);
        Set<String> allowed = account == null ? null : guarded.get(account);
        if (allowed == null) {
            return;
        }
        String who = principal(caller);
        if (!allowed.contains(who) && !allowed.contains(caller)) {
            throw new SsmError("AccessDeniedException", 400, "User: " + who + " is not authorized to perform: "
                    + action + " on resource: " + secretId + " because no resource-based policy allows the " + action
                    + " action");
        }
    }

    /** The role ARN of a session key, else the key id itself. */
    private String principal(String caller) {
        Session s = caller == null ? null : sessions.get(caller);
        return s != null ? s.roleArn() : caller;
    }

    private static String account(String id) {
        if (id == null || !id.startsWith("arn:")) {
            return null;
        }
        String[] f = id.split(":", 6);
        return f.length > 4 ? f[4] : null;
    }

    private String random(int length) {
        StringBuilder b = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            b.append(KEY_CHARS.charAt(random.nextInt(KEY_CHARS.length())));
        }
        return b.toString();
    }
}

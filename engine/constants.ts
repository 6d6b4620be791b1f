// Every limit of the engine in one place: sizes, counts and durations, units last.
// Change a bound here, never inline; docs/configuration.md lists the ones an operator may override.

export const constants = {
  /** Largest request body a terminal may send, checked before decoding. */
  requestBytesMax: 64 * 1024,
  /** Largest JSON body the HTTP API reads (a network import has its own cap). */
  apiBodyBytesMax: 256 * 1024,
  /**
   * `Idempotency-Key` on POST (docs/api.md): the key's characters, how long an answer is kept for a
   * retry (then swept, in batches, this often), the largest answer kept, and requests with a key in
   * flight at once (past it, a new one answers 503 and can be retried).
   */
  apiIdempotencyKeyLengthMax: 255,
  apiIdempotencyTtlMs: 24 * 60 * 60 * 1000,
  apiIdempotencySweepIntervalMs: 10 * 60 * 1000,
  apiIdempotencySweepBatchMax: 10_000,
  apiIdempotentAnswerBytesMax: 1024 * 1024,
  apiIdempotencyInFlightMax: 10_000,
  /** Largest network document accepted by one import request (the CLI sends big documents in parts). */
  importRequestBytesMax: 768 * 1024,
  /** Largest whole network document accepted by `POST /api/v1/import` (48 MiB). */
  importDocumentBytesMax: 48 * 1024 * 1024,
  /** Cards per import part sent by `tessera import`. */
  importPartCardsMax: 2_000,
  /** Request id length (protocol: 1–64 chars). */
  requestIdLengthMax: 64,
  /** Card number or token length. */
  cardNumberLengthMax: 64,
  cardNumberLengthMin: 4,
  /** Identifiers in the network document (site, terminal, product, counterparty...). */
  identifierLengthMax: 64,
  /** Free-text names. */
  nameLengthMax: 200,
  /** A car plate as typed, spaces and dashes included (its normal form is 2–12 letters and digits). */
  plateTypedLengthMax: 32,
  /** An attendant's comment on a wash session. */
  commentLengthMax: 1_000,
  /** Wash sessions: the default and largest maximum length before an automatic stop, and how often to look. */
  sessionMaximumMinutesDefault: 180,
  sessionMaximumMinutesMax: 24 * 60,
  sessionSweepIntervalMs: 5_000,
  sessionSweepBatchMax: 1_000,
  /** Open sessions listed for one site. */
  siteSessionsMax: 1_000,
  /** PIN length. */
  pinLengthMin: 4,
  pinLengthMax: 12,
  /** Wrong PINs in a row before the card is PIN-locked until the next local day. */
  pinTriesMax: 3,
  /** Default life of an authorisation hold; a product may set its own `holdMinutes`. */
  holdTimeoutMs: 30 * 60 * 1000,
  holdMinutesMax: 7 * 24 * 60,
  /** How often the hold expiry scheduler looks for due holds, and how many it sends per look. */
  holdSweepIntervalMs: 1_000,
  holdSweepBatchMax: 10_000,
  /** Idempotency records are kept at least this long (protocol: ≥ 24 h). */
  idempotencyRetentionMs: 48 * 60 * 60 * 1000,
  idempotencySweepIntervalMs: 10 * 60 * 1000,
  idempotencySweepBatchMax: 50_000,
  /** Actors idle this long are passivated (stopped, recovered lazily on the next message). */
  actorIdleMs: 5 * 60 * 1000,
  actorSweepIntervalMs: 30 * 1000,
  /** Card configurations the store keeps in memory (read on every card use; the oldest forgotten first). */
  cardConfigsCachedMax: 100_000,
  /** A snapshot is written after this many persisted events of one actor. */
  snapshotEveryEvents: 200,
  /** Limits per card. */
  limitsPerCardMax: 32,
  /** Lines of one receipt (`sale`) and payments of one receipt. */
  saleLinesMax: 500,
  salePaymentsMax: 16,
  /** Lines of one partial return (`refund` with lines). */
  refundLinesMax: 500,
  /** Cashier prompts per network, and messages in one reply. */
  promptsMax: 256,
  messagesPerReplyMax: 16,
  /** A cashier's name or id given when a shift opens. */
  cashierLengthMax: 200,
  /** How long closing a shift waits for the shift's operations still in flight before it closes anyway. */
  shiftCloseWaitMs: 10_000,
  /** Products of one `prices` query, and scheduled changes listed per product. */
  priceQueryProductsMax: 500,
  scheduledPricesMax: 16,
  /** Money and quantity: safe integers only. */
  moneyMax: Number.MAX_SAFE_INTEGER,
  /**
   * Requests accepted and not yet answered. Past this the engine answers UNAVAILABLE at once (the
   * terminal retries with the same id) instead of queueing into seconds of latency.
   */
  requestsInFlightMax: 4_096,
  /** Time to answer requests in flight on SIGTERM before giving up. */
  drainTimeoutMs: 15_000,
  /** Live streams (`/ws`): batching of feed items, replay on reconnect, frame and backpressure caps. */
  streamBatchMs: 100,
  streamBatchItemsMax: 1_000,
  streamStatusIntervalMs: 1_000,
  streamReplayPageMax: 10_000,
  /** A socket further behind than this many journal events is told to reload from the API instead. */
  streamReplayEventsMax: 100_000,
  streamClientFrameBytesMax: 4 * 1024,
  /** Larger frames than `streamClientFrameBytesMax` are still read up to this size, to be refused with an error frame. */
  streamClientFrameReadBytesMax: 64 * 1024,
  streamBackpressureBytesMax: 1024 * 1024,
  streamIdleTimeoutS: 60,
  /** Default ports. */
  httpPortDefault: 8080,
  /** Default timeout of a request made over the bus (CLI, simulator). */
  natsRequestTimeoutMs: 5_000,
  /** Read model (PostgreSQL): journal events projected in one PostgreSQL transaction, at most. */
  readModelBatchEventsMax: 1_000,
  /** Reference records (accounts, cards, clients) upserted in one PostgreSQL transaction, at most. */
  readModelReferenceRowsMax: 1_000,
  /** How often the projector looks at the journal when no commit woke it (catch-up, other writers). */
  readModelPollIntervalMs: 1_000,
  /** Back-off between attempts while PostgreSQL is unavailable: doubles from the first to the last. */
  readModelRetryDelayFirstMs: 100,
  readModelRetryDelayMaxMs: 10_000,
  /**
   * An event PostgreSQL refuses (bad data, a projection's bug) is retried alone this many times, then
   * set aside in `readmodel.refused_events` and skipped, so one event cannot stall the read model.
   */
  readModelRefusalAttemptsMax: 3,
  /** The refusal's text kept with a refused event, at most. */
  readModelRefusalErrorLengthMax: 500,
  /** Connections to a PostgreSQL server (DATABASE_URL). The projector uses one at a time. */
  readModelPoolConnectionsMax: 4,
  /**
   * Connections to the embedded PGlite: one. PGlite is a single-connection database; pglite-socket
   * multiplexes clients query by query, so two clients' transactions would interleave.
   */
  readModelEmbeddedPoolConnectionsMax: 1,
  /** Connections the embedded socket server accepts: the pool's, plus one for a reconnect while the old socket closes. */
  readModelEmbeddedServerConnectionsMax: 2,
  /** Giving up on connecting to PostgreSQL, and on one query (the attempt is retried after the back-off). */
  readModelConnectTimeoutMs: 5_000,
  readModelQueryTimeoutMs: 60_000,
  /** Starting the embedded PostgreSQL (a fresh data directory runs initdb: seconds). */
  readModelEmbeddedStartTimeoutMs: 120_000,
  /** Waiting for the batch in flight when the projector stops. */
  readModelStopTimeoutMs: 10_000,
  /** `tessera readmodel rebuild` without a terminal (logs, CI): a progress line this often (a terminal gets a live bar). */
  readModelRebuildProgressIntervalMs: 2_000,
  // ---- the transaction feed and exports (gateways/http/api, docs/api.md) ------------------------
  /** Operations in one page of the feed: by default, and at most. */
  feedPageRowsDefault: 50,
  feedPageRowsMax: 500,
  /** Characters of one text filter of the feed (an id, a masked card, a card number). */
  feedFilterLengthMax: 100,
  /** Rows read from PostgreSQL per cursor fetch while exporting (what sits in memory at once). */
  exportBatchRows: 1_000,
  /** Data rows of one xlsx export: a worksheet holds 1,048,576 rows, one of them the header. */
  exportXlsxRowsMax: 1_048_575,
  /** Data rows of one CSV export. */
  exportCsvRowsMax: 10_000_000,
  /** Characters of an export's file name (Content-Disposition). */
  exportFilenameLengthMax: 100,
  // ---- security (engine/security/, docs/security.md) ----------------------------------------
  /** Password length a user may choose (bytes of UTF-8 are bounded too, by the hash input). */
  passwordLengthMin: 10,
  passwordLengthMax: 256,
  /** An e-mail address (RFC 5321 path limit). */
  emailLengthMax: 254,
  /** Argon2id cost (OWASP's first recommended setting): memory in KiB, passes, lanes. */
  passwordHashMemoryKib: 19_456,
  passwordHashPasses: 2,
  passwordHashLanes: 1,
  /** Digits of an e-mailed or authenticator one-time code, and the most characters read as one. */
  signInCodeDigits: 6,
  signInCodeInputLengthMax: 16,
  /** Life of a sign-in attempt and of the code e-mailed for it (≤ 10 minutes, adversarial 20). */
  signInCodeLifeMs: 10 * 60 * 1000,
  /** Wrong codes one attempt takes before it is void (each also counts as a failure of the account). */
  signInCodeTriesMax: 5,
  /** Failed sign-ins in a row (password or code) before the account locks, and for how long. */
  signInFailuresBeforeLockMax: 10,
  signInLockMs: 30 * 60 * 1000,
  /** Password submissions per account and per client address within one window. */
  signInAttemptsPerAccountMax: 5,
  signInAttemptsPerAddressMax: 20,
  signInRateWindowMs: 60 * 1000,
  /** Keys (accounts, addresses) the rate limiters and lock table remember; the oldest go first past it. */
  signInTrackedKeysMax: 100_000,
  /** Sign-in attempts waiting for their code, at most (the oldest is dropped past it). */
  signInAttemptsOpenMax: 10_000,
  /** TOTP: the step (RFC 6238 default) and the clock drift accepted either way. */
  totpStepSeconds: 30,
  totpToleranceSeconds: 30,
  /** User sessions (a person signed in; not wash sessions): ended after this long without a request, and this long after sign-in whatever happens. */
  userSessionIdleMs: 30 * 60 * 1000,
  userSessionAbsoluteMs: 12 * 60 * 60 * 1000,
  /** A user session's last use is written to disk at most this often (the idle timeout survives a restart within it). */
  userSessionTouchPersistIntervalMs: 60 * 1000,
  /** Open user sessions per user (the oldest ends past it), and in the whole engine. */
  userSessionsPerUserMax: 20,
  userSessionsOpenMax: 100_000,
  /** How often ended sessions are looked for (idle, absolute), so their live sockets close on time. */
  userSessionSweepIntervalMs: 30 * 1000,
  /** Bytes of randomness in a user-session, attempt, CSRF token (base64url: 43 characters). */
  tokenBytes: 32,
  /** Users per network, sites per user. */
  usersPerNetworkMax: 10_000,
  userSitesMax: 1_000,
  /** Audit entries returned by one query, and examined by one query before it returns a cursor. */
  auditQueryEntriesMax: 1_000,
  auditQueryScanMax: 100_000,
  /** Largest before/after value kept in an audit entry (JSON characters); larger values are cut and marked. */
  auditValueCharactersMax: 16 * 1024,
  /** Nesting of a before/after value the redaction walks; deeper parts are replaced. */
  auditValueDepthMax: 16,
  /** Random bytes in a record id (users, user sessions, sign-in attempts; not secrets). */
  recordIdBytes: 9,
  /** API keys (programs): random bytes in a key's secret (256 bits), keys per network not revoked, a label's characters. */
  apiKeySecretBytes: 32,
  apiKeysPerNetworkMax: 1_000,
  apiKeyLabelLengthMax: 200,
  /** Characters of one SMTP setting (host, user, password, sender). */
  smtpSettingLengthMax: 1_024,
  /** Sending one sign-in code by SMTP: each of connecting, the greeting and the exchange. */
  smtpSendTimeoutMs: 30_000,
  /** NATS credentials in one generated nats-server configuration. */
  natsCredentialsMax: 100_000,
  /**
   * Alerts (engine/alerts): committed events waiting to be evaluated, at most. Past it they are not
   * queued but read back from the journal (`feedAfter`) once the evaluator has caught up.
   */
  alertQueueEventsMax: 65_536,
  /** Events evaluated in one turn of the event loop (with the alerts they raise: one LMDB commit). */
  alertBatchEventsMax: 256,
  /** How long a drain waits for more events unless a whole batch is waiting (fewer commits of its own). */
  alertDrainDelayMs: 50,
  /**
   * How often, at most, the evaluator writes its watch state and checkpoint when its batches raise
   * nothing (a batch that raises an alert writes them with it, in its commit). After a crash the
   * events since are evaluated again from the journal: the same events on the same state give the
   * same result, so nothing is raised twice. Writing once per batch cost ~2 LMDB writes per
   * authorisation (a card's and a terminal's) and a commit of its own — a flush decisions wait behind.
   */
  alertCheckpointIntervalMs: 1_000,
  /**
   * Events evaluated, and subjects changed, since the last checkpoint, at most (then it is written at
   * once). The subjects' bound keeps one checkpoint's commit small: its writes land on random pages,
   * and the decisions sharing that commit wait for all of them.
   */
  alertCheckpointEventsMax: 50_000,
  alertCheckpointSubjectsMax: 512,
  /** How often the periodic rules look (wash sessions open too long, silent terminals). */
  alertSweepIntervalMs: 30_000,
  /** Cards and accounts whose watch state stays in memory (the rest is read back from LMDB or the journal). */
  alertCardsCachedMax: 100_000,
  alertAccountsCachedMax: 10_000,
  /** Journal events replayed, at most, to rebuild an account's shadow when its snapshot is ahead of the evaluator. */
  alertAccountReplayEventsMax: 100_000,
  /** Dedup windows remembered (the oldest are forgotten first). */
  alertDedupKeysMax: 100_000,
  /** Card and account configurations the evaluator keeps read (forgotten on every import). */
  alertConfigsCachedMax: 10_000,
  /** Alerts not yet resolved kept in memory per network (older ones stay in the journal), and resolved ones listed. */
  alertOpenMax: 10_000,
  alertResolvedKeptMax: 1_000,
  /** Alerts returned by one list call. */
  alertListMax: 1_000,
  /** Rule settings: the largest counts and windows a network may configure. */
  alertCountMax: 100,
  alertWindowMinutesMax: 7 * 24 * 60,
  alertDedupMinutesMax: 31 * 24 * 60,
  /** Refund share: the window is kept as this many buckets per terminal and cashier. */
  alertRefundWindowBuckets: 24,
  /** Who acknowledged or resolved an alert, and the resolution's note. */
  alertStaffLengthMax: 200,
  alertNoteLengthMax: 1_000,
  /** E-mail recipients per network. */
  alertEmailRecipientsMax: 20,
  /** Deliveries (webhook, e-mail): attempts, back-off doubling from the first delay to the last, one attempt's time. */
  alertDeliveryAttemptsMax: 8,
  alertDeliveryRetryDelayFirstMs: 1_000,
  alertDeliveryRetryDelayMaxMs: 5 * 60 * 1000,
  alertDeliveryTimeoutMs: 10_000,
  /** Deliveries attempted at once, and waiting (past it a new one is reported failed at once). */
  alertDeliveriesInFlightMax: 8,
  alertDeliveriesPendingMax: 10_000,
  /** The error text kept with a failed delivery. */
  alertDeliveryErrorLengthMax: 200,

  // Balances and reports (HTTP API, read model).
  /** Longest period one report covers, in days. */
  reportPeriodDaysMax: 400,
  /** Rows of one report answer (groups); a larger grouping is refused. */
  reportRowsMax: 100_000,
  /** Rows of one page of an account's operations or of the balances list. */
  historyPageRowsMax: 500,
  historyPageRowsDefault: 100,
  /** Rows of an account's pricing conditions (product × price × rule). */
  pricingConditionsRowsMax: 10_000,
  /** Validation problems an import or a management change reports (the rest are counted). */
  importProblemsMax: 50,
  /** Rows one page of a management list answers (default, and the most a caller may ask for). */
  managementPageRowsDefault: 100,
  managementPageRowsMax: 1_000,
} as const;

/** The subject prefix of the protocol (configurable; default `tessera`). */
export const subjectPrefixDefault = 'tessera';

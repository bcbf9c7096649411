import ConnectorKit

/// The conformance suite every connector must pass, built in or plug-in.
///
/// It needs no test framework: ``run()`` returns the failures, each with a message that says what was
/// expected and what happened, so a Swift Testing test reads
///
/// ```swift
/// @Test func conformance() async {
///     let failures = await ConnectorConformance(subject).run()
///     #expect(failures.isEmpty, "\(failures)")
/// }
/// ```
///
/// On a fresh, empty system the suite checks, in order: `testConnection`; capabilities against the subject's
/// ``Features``; the schema covers every object type in the capabilities; a full import of the empty system;
/// adds of the templates (anchors returned, a full import returns them with the written values); value-level
/// updates (replace, add, remove, and replace with nothing); references round-tripping as `.reference(anchor)`;
/// a delete; a rename; per-object errors (an update or delete of an unknown anchor fails with `notFound`, an add of
/// an existing anchor with `conflict`, while the other changes of the same export call are applied); and that a
/// delta import from the latest watermark, with nothing changed, returns no items and a watermark.
///
/// After every export it imports: by delta from the previous watermark when the connector supports it (applied
/// to the suite's own connector-space model, which is also the ``ImportRequest/connectorSpace`` it passes), then
/// by a full import, and checks that both agree and show exactly what was written. Every import must end with a
/// watermark, and set ``ImportBatch/isComplete`` on the final batch of a full import only.
///
/// The suite stops at the first failure that leaves the system in an unknown state (a throwing export, a failed
/// add), so fix failures from the first.
public struct ConnectorConformance: Sendable {
    /// One way the connector fails the suite.
    public struct Failure: Hashable, Sendable, CustomStringConvertible {
        /// The check that failed: `add`, `update`, `delete`, `errors`, ….
        public var check: String
        /// What was expected and what happened.
        public var message: String

        /// A failure of `check`.
        public init(check: String, message: String) {
            self.check = check
            self.message = message
        }

        /// `check: message`.
        public var description: String { "\(check): \(message)" }
    }

    /// What the suite tests.
    public var subject: Subject

    /// A suite for `subject`.
    public init(_ subject: Subject) {
        self.subject = subject
    }

    /// Runs every check on a fresh connector from the subject; returns the failures, none if the connector
    /// conforms.
    public func run() async -> [Failure] {
        let run = ConformanceRun(subject)
        await run.perform()
        return run.failures
    }
}

extension Frame {
    /// Checks that `bytes` hold exactly one well-formed frame whose header is ``header``: the magic,
    /// the length caps, the CRC-32 over header and payload, and the fields a reader must check
    /// (Journal/FORMAT.md, "Frames"). Used before appending a frame that arrived over the network.
    ///
    /// - Throws: ``JournalError`` `.rejectedFrame` naming what is wrong.
    public func verify() throws {
        func reject(_ reason: String) -> JournalError {
            JournalError(.rejectedFrame, "shipped frame \(reason)", location: .init(seq: header.firstSeq))
        }
        guard bytes.count >= FormatV1.frameHeaderLength else {
            throw reject("is \(bytes.count) bytes, shorter than a frame header")
        }
        let parsed = bytes.withUnsafeBytes { raw in
            FrameHeader.parse(UnsafeRawBufferPointer(rebasing: raw[0..<FormatV1.frameHeaderLength]))
        }
        guard let parsed else { throw reject("does not start with the frame magic") }
        guard parsed == header else { throw reject("has a header that differs from its bytes") }
        if let reason = FrameDecoder.lengthProblem(header) { throw reject("has an invalid header: \(reason)") }
        guard bytes.count == header.frameLength else {
            throw reject("is \(bytes.count) bytes, but its header declares \(header.frameLength)")
        }
        let computed = bytes.withUnsafeBytes { raw in
            FrameHeader.computeChecksum(
                header: UnsafeRawBufferPointer(rebasing: raw[0..<FormatV1.frameHeaderLength]),
                payload: UnsafeRawBufferPointer(rebasing: raw[FormatV1.frameHeaderLength...]))
        }
        guard computed == header.checksum else {
            throw reject("fails its checksum (stored \(hex(header.checksum)), computed \(hex(computed)))")
        }
        if let problem = FrameDecoder.fieldProblem(header) {
            throw reject(FrameDecoder.DecodingError(offset: 0, problem: problem).description)
        }
    }
}

import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// How to reach the SMTP relay that carries notices (decision 24; docs/operations.md, "E-mail").
public struct SMTPSettings: Sendable, Hashable {
    /// How the connection is protected.
    public enum Security: String, Sendable, CaseIterable {
        /// Plain connection upgraded with STARTTLS; refuses a relay that does not offer it (the default, port 587).
        case starttls
        /// STARTTLS when the relay offers it, plain otherwise (a relay on the same host or network).
        case starttlsOptional = "starttls-optional"
        /// TLS from the first byte ("SMTPS", port 465).
        case tls
        /// No encryption at all: only a relay on the same machine; no password is ever sent so.
        case off
    }

    public var host: String
    public var port: Int
    public var security: Security
    public var username: String?
    public var password: String?
    /// The envelope sender and `From:` address.
    public var from: String
    /// A PEM file of the certificates to trust for the relay (a private CA); `nil`: the system's.
    public var caFile: String?
    /// The name the client gives in EHLO.
    public var heloName: String
    /// The longest a whole conversation (connect to QUIT) may take.
    public var timeout: Duration

    public init(host: String, port: Int, security: Security, username: String? = nil, password: String? = nil, from: String,
                caFile: String? = nil, heloName: String = "obsreview", timeout: Duration = .seconds(30)) {
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
        self.from = from
        self.caFile = caFile
        self.heloName = heloName
        self.timeout = timeout
    }
}

/// What went wrong handing a message to the relay, in plain words, and whether trying again later can help.
public struct SMTPError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// Worth another try later: the relay could not be reached, timed out, or answered 4xx.
        case temporary
        /// Will not succeed as it is: the relay answered 5xx (unknown recipient, refused sender, bad credentials).
        case permanent
        /// The settings and the relay do not fit (no STARTTLS where it is required, no usable AUTH method).
        case configuration
    }

    public let kind: Kind
    public let message: String
    /// The relay's reply, when there was one.
    public let reply: SMTPReply?

    public var description: String { message }
    public var isPermanent: Bool { kind != .temporary }
}

/// One reply of the relay: its three-digit code and its lines of text (several for a multi-line reply).
public struct SMTPReply: Sendable, Hashable, CustomStringConvertible {
    public let code: Int
    public let lines: [String]
    public var description: String { "\(code) \(lines.joined(separator: " / "))" }
}

/// Reads SMTP replies: lines ending in CRLF, `250-…` continuing and `250 …` ending one reply (RFC 5321 §4.2).
struct SMTPReplyDecoder: ByteToMessageDecoder {
    typealias InboundOut = SMTPReply
    private var lines: [String] = []
    /// A reply line is at most 512 octets; a peer that sends kilobytes without a line end is not an SMTP server.
    static let maxLine = 4_096

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let view = buffer.readableBytesView
        guard let lf = view.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > Self.maxLine { throw SMTPError(kind: .temporary, message: "The relay sent a line longer than \(Self.maxLine) bytes: it does not speak SMTP.", reply: nil) }
            return .needMoreData
        }
        let length = lf - view.startIndex + 1
        // The line end is cut as bytes: in a Swift String "\r\n" is one Character, which neither "\r" nor "\n" matches.
        var bytes = buffer.readBytes(length: length) ?? []
        while let last = bytes.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") { bytes.removeLast() }
        let line = String(decoding: bytes, as: UTF8.self)
        let scalars = bytes
        guard scalars.count >= 3, let code = Int(String(decoding: scalars[0..<3], as: UTF8.self)), (200...599).contains(code) else {
            throw SMTPError(kind: .temporary, message: "The relay answered \"\(line.prefix(80))\", which is not an SMTP reply.", reply: nil)
        }
        let more = scalars.count > 3 && scalars[3] == UInt8(ascii: "-")
        lines.append(scalars.count > 4 ? String(decoding: scalars[4...], as: UTF8.self) : "")
        if !more {
            context.fireChannelRead(wrapInboundOut(SMTPReply(code: code, lines: lines)))
            lines = []
        }
        return .continue
    }
}

/// An e-mail to send: envelope and text. ``rendered(date:messageID:)`` makes the RFC 5322 message.
public struct MailMessage: Sendable, Hashable {
    public var from: String
    public var to: String
    public var subject: String
    public var body: String

    public init(from: String, to: String, subject: String, body: String) {
        self.from = from
        self.to = to
        self.subject = subject
        self.body = body
    }

    /// Headers and body with CRLF line ends. The body is plain text in UTF-8; no header takes text from the body.
    func rendered(date: Date, messageID: String) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        let headers = [
            "From: ObservationReview <\(from)>",
            "To: <\(to)>",
            "Subject: \(Self.headerText(subject))",
            "Date: \(formatter.string(from: date))",
            "Message-ID: <\(messageID)>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
            // RFC 3834: machines should not answer it (no out-of-office loops).
            "Auto-Submitted: auto-generated",
        ]
        let text = body.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        return (headers + [""] + text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)).joined(separator: "\r\n")
    }

    /// ASCII text as it is; anything else as an RFC 2047 encoded word. Line breaks can never reach a header.
    static func headerText(_ text: String) -> String {
        let flat = text.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
        if flat.allSatisfy({ $0.isASCII }) { return flat }
        return "=?utf-8?B?\(Data(flat.utf8).base64EncodedString())?="
    }

    /// The DATA section: every line that begins with a dot gets another (RFC 5321 §4.5.2), then `CRLF.CRLF`.
    static func dotStuffed(_ rendered: String) -> String {
        rendered.components(separatedBy: "\r\n").map { $0.hasPrefix(".") ? "." + $0 : $0 }.joined(separator: "\r\n") + "\r\n.\r\n"
    }
}

/// An SMTP client on SwiftNIO: EHLO, STARTTLS (NIOSSL), AUTH PLAIN or LOGIN, MAIL FROM, RCPT TO, DATA with
/// dot-stuffing, QUIT; one connection per message, within ``SMTPSettings/timeout``. A 4xx reply or a failure to
/// connect is ``SMTPError/Kind/temporary``, a 5xx reply ``SMTPError/Kind/permanent``.
public struct SMTPClient: Sendable {
    public let settings: SMTPSettings
    private let tls: NIOSSLContext?

    /// Prepares the TLS context once; throws when the CA file cannot be read.
    public init(_ settings: SMTPSettings) throws {
        self.settings = settings
        if settings.security == .off {
            tls = nil
        } else {
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.minimumTLSVersion = .tlsv12
            if let caFile = settings.caFile {
                do {
                    configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
                } catch {
                    throw SMTPError(kind: .configuration, message: "The relay's CA file \(caFile) could not be read as PEM certificates: \(error).", reply: nil)
                }
            }
            tls = try NIOSSLContext(configuration: configuration)
        }
    }

    /// Sends one message; returns the relay's reply to the end of DATA (its queue id, usually).
    @discardableResult
    public func send(_ message: MailMessage) async throws(SMTPError) -> SMTPReply {
        let step = Step("connecting to \(settings.host):\(settings.port)")
        let connection = Connection()
        let timeout = settings.timeout
        do {
            return try await withThrowingTaskGroup(of: SMTPReply?.self) { group in
                group.addTask { try await conversation(message, step: step, connection: connection) }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let reply = first else {
                    // Cancelling the conversation does not end a read the relay never answers: the group would wait for
                    // it. Closing the channel ends the read (and a connection made after this is closed at once).
                    connection.close()
                    throw SMTPError(kind: .temporary, message: "The relay \(settings.host):\(settings.port) did not finish within \(timeout) (while \(step.withLock { $0 })).", reply: nil)
                }
                return reply
            }
        } catch let error as SMTPError {
            throw error
        } catch let error as NIOSSLError {
            throw SMTPError(kind: .configuration, message: "TLS with the relay \(settings.host) failed while \(step.withLock { $0 }): \(error). Check smtp_security and smtp_ca_file.", reply: nil)
        } catch let error as BoringSSLError {
            throw SMTPError(kind: .configuration, message: "TLS with the relay \(settings.host) failed while \(step.withLock { $0 }): \(error). Check smtp_security and smtp_ca_file.", reply: nil)
        } catch {
            throw SMTPError(kind: .temporary, message: "The relay \(settings.host):\(settings.port) could not be used while \(step.withLock { $0 }): \(error).", reply: nil)
        }
    }

    private func conversation(_ message: MailMessage, step: Step, connection: Connection) async throws -> SMTPReply {
        let settings = self.settings, tls = self.tls
        let sni = Self.isIPAddress(settings.host) ? nil : settings.host
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(10))
            .connect(host: settings.host, port: settings.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if settings.security == .tls, let tls {
                        try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: sni))
                    }
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(SMTPReplyDecoder()))
                    return try NIOAsyncChannel<SMTPReply, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        connection.opened(channel.channel)
        return try await channel.executeThenClose { inbound, outbound in
            var replies = inbound.makeAsyncIterator()
            func expect(_ codes: ClosedRange<Int>, _ doing: String) async throws -> SMTPReply {
                step.withLock { $0 = doing }
                guard let reply = try await replies.next() else {
                    throw SMTPError(kind: .temporary, message: "The relay closed the connection while \(doing).", reply: nil)
                }
                guard codes.contains(reply.code) else {
                    let permanent = reply.code >= 500
                    throw SMTPError(kind: permanent ? .permanent : .temporary,
                                    message: "The relay answered \(reply) while \(doing)\(permanent ? "" : "; it will be tried again").", reply: reply)
                }
                return reply
            }
            func command(_ line: String, _ codes: ClosedRange<Int>, _ doing: String) async throws -> SMTPReply {
                try await outbound.write(ByteBuffer(string: line + "\r\n"))
                return try await expect(codes, doing)
            }
            _ = try await expect(220...220, "waiting for the relay's greeting")
            var extensions = try await command("EHLO \(settings.heloName)", 250...250, "greeting the relay (EHLO)").lines.dropFirst().map { $0.uppercased() }
            var encrypted = settings.security == .tls
            if settings.security == .starttls || settings.security == .starttlsOptional {
                if extensions.contains(where: { $0 == "STARTTLS" || $0.hasPrefix("STARTTLS ") }), let tls {
                    _ = try await command("STARTTLS", 220...220, "asking for STARTTLS")
                    step.withLock { $0 = "negotiating TLS after STARTTLS" }
                    try await channel.channel.eventLoop.submit {
                        try channel.channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: sni), position: .first)
                    }.get()
                    encrypted = true
                    extensions = try await command("EHLO \(settings.heloName)", 250...250, "greeting the relay again over TLS (EHLO)").lines.dropFirst().map { $0.uppercased() }
                } else if settings.security == .starttls {
                    throw SMTPError(kind: .configuration, message: "The relay \(settings.host):\(settings.port) does not offer STARTTLS (it offers \(extensions.isEmpty ? "no extensions" : extensions.joined(separator: ", "))), and smtp_security is starttls: nothing is sent in clear. Enable TLS on the relay, or set smtp_security to tls (port 465) or starttls-optional.", reply: nil)
                }
            }
            if let username = settings.username, let password = settings.password {
                guard encrypted else {
                    throw SMTPError(kind: .configuration, message: "The relay connection is not encrypted, so the SMTP password is not sent; use smtp_security starttls or tls.", reply: nil)
                }
                let methods = extensions.first { $0.hasPrefix("AUTH ") || $0.hasPrefix("AUTH=") }?.dropFirst(5).split(separator: " ").map(String.init) ?? []
                if methods.contains("PLAIN") {
                    let token = Data("\0\(username)\0\(password)".utf8).base64EncodedString()
                    _ = try await command("AUTH PLAIN \(token)", 235...235, "signing in to the relay (AUTH PLAIN)")
                } else if methods.contains("LOGIN") {
                    _ = try await command("AUTH LOGIN", 334...334, "signing in to the relay (AUTH LOGIN)")
                    _ = try await command(Data(username.utf8).base64EncodedString(), 334...334, "sending the user name (AUTH LOGIN)")
                    _ = try await command(Data(password.utf8).base64EncodedString(), 235...235, "sending the password (AUTH LOGIN)")
                } else {
                    throw SMTPError(kind: .configuration, message: "The relay offers no AUTH method this client speaks (it offers \(methods.isEmpty ? "none" : methods.joined(separator: ", ")); PLAIN or LOGIN are needed).", reply: nil)
                }
            }
            _ = try await command("MAIL FROM:<\(message.from)>", 250...250, "giving the sender (MAIL FROM)")
            _ = try await command("RCPT TO:<\(message.to)>", 250...251, "giving the recipient (RCPT TO)")
            _ = try await command("DATA", 354...354, "starting the message (DATA)")
            let domain = message.from.split(separator: "@").last.map(String.init) ?? "obsreview"
            let data = MailMessage.dotStuffed(message.rendered(date: Date(), messageID: "\(UUID().uuidString.lowercased())@\(domain)"))
            try await outbound.write(ByteBuffer(string: data))
            let accepted = try await expect(250...250, "sending the message (end of DATA)")
            // The message is the relay's now; a QUIT that fails changes nothing.
            try? await outbound.write(ByteBuffer(string: "QUIT\r\n"))
            _ = try? await replies.next()
            return accepted
        }
    }

    /// A TLS server name (SNI) is a host name, never an address.
    static func isIPAddress(_ host: String) -> Bool {
        (try? SocketAddress(ipAddress: host, port: 0)) != nil
    }

    /// The conversation's channel, for the timeout to close: once closed, a channel connected later is closed as it opens.
    final class Connection: Sendable {
        private let state = Mutex<(channel: (any Channel)?, closed: Bool)>((nil, false))

        func opened(_ channel: any Channel) {
            let closed = state.withLock { state in
                state.channel = channel
                return state.closed
            }
            if closed { channel.close(promise: nil) }
        }

        func close() {
            let channel = state.withLock { state in
                state.closed = true
                return state.channel
            }
            channel?.close(promise: nil)
        }
    }

    /// What the conversation is doing, for the message of a timeout.
    final class Step: Sendable {
        private let value: Mutex<String>
        init(_ initial: String) { value = Mutex(initial) }
        func withLock<R: Sendable>(_ body: (inout String) -> R) -> R { value.withLock { body(&$0) } }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The keyframe timeline of an MPEG transport stream read from its own 188-byte packets, without
/// libavformat: PAT and PMT name the video PID, PES headers give the timestamps, and the first NAL units
/// of each access unit say whether it is a keyframe — the same decision FFmpeg 5.1's H.264 and HEVC
/// parsers make, so the times equal `ffprobe -show_packets` exactly (decision 23).
///
/// Anything it does not recognise returns nil and the caller uses libavformat's packet scan: another
/// video codec, more than one video stream, 192-byte packets, a lost sync byte, a PSI section spread over
/// several packets, a program table that changes part-way, a PES header split across packets, an access
/// unit without a picture.
package struct TransportStreamScan {
    enum Codec: Sendable, Equatable { case h264, hevc }

    /// The video elementary stream's PID and codec.
    package let videoPID: Int
    let codec: Codec
    /// Presentation times (90 kHz ticks, wrap-around corrected as libavformat does) of the keyframes, in
    /// file order, with the byte offset of the TS packet where each keyframe's PES starts.
    let keyframes: [(ticks: Int64, position: Int64)]
    /// Decode time (or presentation time, when a PES has no DTS) of every video PES, in file order.
    let decodeTicks: [Int64]

    static let packetSize = 188
    static let ticksPerSecond = 90_000.0

    /// Whether the file starts like a transport stream of 188-byte packets (five sync bytes in a row).
    package static func looksLikeTransportStream(path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var head = [UInt8](repeating: 0, count: packetSize * 5)
        let got = head.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, $0.count, 0) }
        guard got == head.count else { return false }
        return stride(from: 0, to: head.count, by: packetSize).allSatisfy { head[$0] == 0x47 }
    }

    /// Scans the file at `path`; nil when it is not a transport stream this reader recognises.
    package static func scan(path: String) -> TransportStreamScan? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        guard let layout = ProgramLayout.firstLayout(fd: fd) else { return nil }
        guard lseek(fd, 0, SEEK_SET) == 0 else { return nil }
        var scanner = PacketScanner(layout: layout)
        // About 1 MiB per read, a whole number of packets.
        let chunk = packetSize * 5_577
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
        defer { buffer.deallocate() }
        var filled = 0
        var offset: Int64 = 0
        while true {
            let got = read(fd, buffer.baseAddress! + filled, chunk - filled)
            if got < 0 { return nil }
            filled += got
            let whole = filled - filled % packetSize
            if whole > 0 {
                guard scanner.consume(UnsafeRawBufferPointer(rebasing: buffer[0..<whole]), at: offset) else { return nil }
                offset += Int64(whole)
                if filled > whole {
                    buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + whole, byteCount: filled - whole)
                }
                filled -= whole
            }
            // A partial packet at the very end is dropped, as libavformat does.
            if got == 0 { break }
        }
        return scanner.finish()
    }
}

/// What the PAT and the PMTs say: the one video stream and the other streams of its program.
struct ProgramLayout {
    var videoPID: Int
    var codec: TransportStreamScan.Codec
    /// Every elementary stream PID of the video's program (their first packet sets libavformat's
    /// wrap-around reference).
    var programPIDs: Set<Int>
    /// The PAT and PMT sections as first seen, by PID: a later, different one means the layout changed.
    var sections: [Int: [UInt8]]

    /// Stream types that carry no video (MPEG audio, AAC, LATM, AC-3, E-AC-3, DTS, TrueHD, SCTE-35, ID3
    /// metadata, private PES without a registration). Anything else may be a second video stream.
    private static let nonVideoStreamTypes: Set<UInt8> = [0x03, 0x04, 0x0f, 0x11, 0x15, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x8a]

    /// Reads packets from the start (up to 2 MiB) until the PAT and every PMT it lists are seen.
    static func firstLayout(fd: Int32) -> ProgramLayout? {
        let size = TransportStreamScan.packetSize
        let limit = 2 << 20
        var data = [UInt8](repeating: 0, count: limit)
        let got = data.withUnsafeMutableBytes { read(fd, $0.baseAddress!, limit) }
        guard got >= size else { return nil }
        var sections: [Int: [UInt8]] = [:]
        var pmtPIDs: [Int]? = nil
        var streams: [(pid: Int, type: UInt8, registered: Bool)] = []
        var programOf: [Int: Int] = [:]
        var videoProgram: Int? = nil
        var programs: [Int: [Int]] = [:]
        for start in stride(from: 0, to: got - got % size, by: size) {
            let packet = Array(data[start..<start + size])
            guard packet[0] == 0x47 else { return nil }
            let pid = Int(packet[1] & 0x1f) << 8 | Int(packet[2])
            guard pid == 0 || pmtPIDs?.contains(pid) == true, sections[pid] == nil, packet[1] & 0x40 != 0 else { continue }
            guard let section = PSI.section(in: packet) else { return nil }
            sections[pid] = section
            if pid == 0 {
                guard section[0] == 0x00 else { return nil }
                var pids: [Int] = []
                var i = 8
                while i + 4 <= section.count - 4 {
                    let program = Int(section[i]) << 8 | Int(section[i + 1])
                    let pmt = Int(section[i + 2] & 0x1f) << 8 | Int(section[i + 3])
                    if program != 0 { pids.append(pmt); programOf[pmt] = program }
                    i += 4
                }
                guard !pids.isEmpty else { return nil }
                pmtPIDs = pids
            } else {
                guard section[0] == 0x02, section.count >= 16 else { return nil }
                let programInfoLength = Int(section[10] & 0x0f) << 8 | Int(section[11])
                var i = 12 + programInfoLength
                var pids: [Int] = []
                while i + 5 <= section.count - 4 {
                    let type = section[i]
                    let esPID = Int(section[i + 1] & 0x1f) << 8 | Int(section[i + 2])
                    let infoLength = Int(section[i + 3] & 0x0f) << 8 | Int(section[i + 4])
                    var registered = false
                    var d = i + 5
                    while d + 2 <= min(i + 5 + infoLength, section.count) {
                        if section[d] == 0x05 { registered = true }  // registration descriptor
                        d += 2 + Int(section[d + 1])
                    }
                    streams.append((esPID, type, registered))
                    pids.append(esPID)
                    if type == 0x1b || type == 0x24 { videoProgram = videoProgram ?? programOf[pid] }
                    i += 5 + infoLength
                }
                programs[pid] = pids
            }
            if let pmtPIDs, pmtPIDs.allSatisfy({ sections[$0] != nil }) {
                let videos = streams.filter { stream in
                    stream.type == 0x1b || stream.type == 0x24
                        || !(nonVideoStreamTypes.contains(stream.type) || (stream.type == 0x06 && !stream.registered))
                }
                guard videos.count == 1, let video = videos.first, video.type == 0x1b || video.type == 0x24 else { return nil }
                guard let pmt = programs.first(where: { $0.value.contains(video.pid) })?.key,
                    let programPIDs = programs[pmt]
                else { return nil }
                return ProgramLayout(
                    videoPID: video.pid, codec: video.type == 0x1b ? .h264 : .hevc,
                    programPIDs: Set(programPIDs), sections: sections)
            }
        }
        return nil
    }
}

/// Program-specific information: one section that starts and ends in one packet.
enum PSI {
    /// The section a packet starts (from `table_id` to the CRC), nil when it does not fit in the packet.
    static func section(in packet: [UInt8]) -> [UInt8]? {
        guard let payload = TSPacket.payloadOffset(packet[3], packet.count > 4 ? packet[4] : 0), payload < packet.count else { return nil }
        let start = payload + 1 + Int(packet[payload])
        guard start + 3 <= packet.count else { return nil }
        let length = Int(packet[start + 1] & 0x0f) << 8 | Int(packet[start + 2])
        guard length >= 9, start + 3 + length <= packet.count else { return nil }
        return Array(packet[start..<start + 3 + length])
    }
}

enum TSPacket {
    /// Where the payload starts, from the fourth byte (adaptation field control) and the fifth (the
    /// adaptation field's length); nil when the packet carries no payload.
    @inline(__always)
    static func payloadOffset(_ byte3: UInt8, _ byte4: UInt8) -> Int? {
        switch (byte3 >> 4) & 0x3 {
        case 1: 4
        case 3: 5 + Int(byte4)
        default: nil
        }
    }
}

/// The state of one pass over the packets.
struct PacketScanner {
    let layout: ProgramLayout

    private var keyframes: [(ticks: Int64, position: Int64)] = []
    private var decodeTicks: [Int64] = []

    /// The video PES being read: its timestamps, where it starts, and its first elementary stream bytes
    /// until the picture's first NAL unit settles whether it is a keyframe.
    private var pesPTS: Int64? = nil
    private var pesPosition: Int64 = 0
    private var pesOpen = false
    private var pesDecided = true
    private var head: [UInt8] = []

    /// libavformat's wrap-around reference comes from the first packet of the program that it finishes
    /// reading (a PES with a length ends with its last byte; one without, at the next start on its PID).
    private var reference: Int64? = nil
    private var pendingTimestamp: [Int: Int64?] = [:]
    private var pendingRemaining: [Int: Int] = [:]

    init(layout: ProgramLayout) {
        self.layout = layout
        head.reserveCapacity(4096)
    }

    /// Reads whole packets; false when the stream is not one this reader recognises.
    mutating func consume(_ bytes: UnsafeRawBufferPointer, at offset: Int64) -> Bool {
        let size = TransportStreamScan.packetSize
        let video = layout.videoPID
        var start = 0
        while start < bytes.count {
            defer { start += size }
            guard bytes[start] == 0x47 else { return false }
            let b1 = bytes[start + 1]
            let pid = Int(b1 & 0x1f) << 8 | Int(bytes[start + 2])
            let unitStart = b1 & 0x40 != 0
            if pid == video {
                guard b1 & 0x80 == 0 else { return false }  // transport error indicator
                guard let payload = TSPacket.payloadOffset(bytes[start + 3], bytes[start + 4]), payload < size else { continue }
                let body = UnsafeRawBufferPointer(rebasing: bytes[(start + payload)..<(start + size)])
                if reference == nil { track(pid: pid, unitStart: unitStart, body: body) }
                if unitStart {
                    guard finishPES(), beginPES(body, position: offset + Int64(start)) else { return false }
                } else if pesOpen && !pesDecided {
                    guard feed(body) else { return false }
                }
            } else if reference == nil, layout.programPIDs.contains(pid) {
                guard let payload = TSPacket.payloadOffset(bytes[start + 3], bytes[start + 4]), payload < size else { continue }
                track(pid: pid, unitStart: unitStart, body: UnsafeRawBufferPointer(rebasing: bytes[(start + payload)..<(start + size)]))
            } else if unitStart, let first = layout.sections[pid] {
                // A PAT or PMT again: it must say what it said the first time.
                let packet = Array(UnsafeRawBufferPointer(rebasing: bytes[start..<(start + size)]))
                guard let section = PSI.section(in: packet), section == first else { return false }
            }
        }
        return true
    }

    /// The result at the end of the file.
    mutating func finish() -> TransportStreamScan? {
        // The last PES may be cut short: if its picture's first NAL unit never came, it is no keyframe,
        // as libavformat's parser says when it flushes.
        pesOpen = false
        if reference == nil {
            reference = pendingTimestamp.values.compactMap { $0 }.min()
        }
        guard !decodeTicks.isEmpty else { return nil }
        return TransportStreamScan(
            videoPID: layout.videoPID, codec: layout.codec,
            keyframes: keyframes.map { (unwrap($0.ticks), $0.position) },
            decodeTicks: decodeTicks.map(unwrap))
    }

    /// libavformat's `wrap_timestamp` with `pts_wrap_bits` 33: the reference lies 60 s before the first
    /// timestamp; times below it have wrapped past 2^33 and get 2^33 added (or, when the first time lies
    /// within 60 s of the wrap, times at or above it get 2^33 subtracted).
    private func unwrap(_ ticks: Int64) -> Int64 {
        guard let reference else { return ticks }
        let wrap: Int64 = 1 << 33
        let first = reference & (wrap - 1)
        let ref = first - 60 * 90_000
        let add = first < wrap - (wrap >> 3) || first < wrap - 60 * 90_000
        if add { return ticks < ref ? ticks + wrap : ticks }
        return ticks >= ref ? ticks - wrap : ticks
    }

    /// Follows the program's PES packets until the first one is complete, for the wrap reference.
    private mutating func track(pid: Int, unitStart: Bool, body: UnsafeRawBufferPointer) {
        if unitStart {
            if let timestamp = pendingTimestamp[pid] {
                // The previous PES on this PID ends here.
                if let timestamp { reference = timestamp; return }
            }
            guard let header = PESHeader(body) else { pendingTimestamp[pid] = .some(nil); pendingRemaining[pid] = 0; return }
            pendingTimestamp[pid] = .some(header.dts ?? header.pts)
            pendingRemaining[pid] = header.packetLength == 0 ? Int.max : header.packetLength + 6 - body.count
        } else if let remaining = pendingRemaining[pid], remaining != Int.max {
            pendingRemaining[pid] = remaining - body.count
        } else {
            return
        }
        if let remaining = pendingRemaining[pid], remaining <= 0, let timestamp = pendingTimestamp[pid] ?? nil {
            reference = timestamp
        }
    }

    private mutating func finishPES() -> Bool {
        // A PES whose picture never started (parameter sets alone) would be merged with the next one by
        // libavformat's parser: not a case this reader follows.
        if pesOpen && !pesDecided { return false }
        pesOpen = false
        return true
    }

    private mutating func beginPES(_ body: UnsafeRawBufferPointer, position: Int64) -> Bool {
        guard let header = PESHeader(body), header.headerLength <= body.count else { return false }
        pesOpen = true
        pesDecided = false
        pesPTS = header.pts
        pesPosition = position
        if let time = header.dts ?? header.pts { decodeTicks.append(time) }
        head.removeAll(keepingCapacity: true)
        return feed(UnsafeRawBufferPointer(rebasing: body[header.headerLength...]))
    }

    /// Adds elementary stream bytes and looks for the picture's first NAL unit.
    private mutating func feed(_ bytes: UnsafeRawBufferPointer) -> Bool {
        head.append(contentsOf: bytes)
        switch NALUnits.firstPicture(in: head, codec: layout.codec) {
        case .undecided:
            // Parameter sets and SEI come before the picture; more than this is not an access unit we know.
            return head.count <= 1 << 20
        case .picture(let isKeyframe):
            pesDecided = true
            if isKeyframe {
                guard let pts = pesPTS else { return false }
                keyframes.append((pts, pesPosition))
            }
            return true
        }
    }
}

/// The parts of a PES header the timeline needs.
struct PESHeader {
    var pts: Int64?
    var dts: Int64?
    /// PES_packet_length: bytes after the first six; 0 for "unbounded" (video).
    var packetLength: Int
    /// Bytes from the start code to the elementary stream data.
    var headerLength: Int

    init?(_ b: UnsafeRawBufferPointer) {
        guard b.count >= 9, b[0] == 0, b[1] == 0, b[2] == 1 else { return nil }
        let streamID = b[3]
        packetLength = Int(b[4]) << 8 | Int(b[5])
        // Streams without the optional header (padding, private stream 2, ECM, EMM, DSM-CC, H.222.1 type E).
        if [0xbc, 0xbe, 0xbf, 0xf0, 0xf1, 0xf2, 0xf8, 0xff].contains(streamID) {
            headerLength = 6
            return
        }
        guard b[6] & 0xc0 == 0x80 else { return nil }  // MPEG-1 PES headers: left to libavformat
        headerLength = 9 + Int(b[8])
        let flags = b[7] >> 6
        if flags & 0x2 != 0, b.count >= 14 { pts = Self.timestamp(b, 9) }
        if flags == 0x3, b.count >= 19 { dts = Self.timestamp(b, 14) }
    }

    private static func timestamp(_ b: UnsafeRawBufferPointer, _ i: Int) -> Int64 {
        Int64(b[i] & 0x0e) << 29 | Int64(b[i + 1]) << 22 | Int64(b[i + 2] & 0xfe) << 14 | Int64(b[i + 3]) << 7 | Int64(b[i + 4]) >> 1
    }
}

/// NAL unit rules of FFmpeg 5.1's `h264_parser.c` and `hevc_parser.c` for `key_frame`.
enum NALUnits {
    enum Verdict: Equatable { case undecided, picture(isKeyframe: Bool) }

    /// Walks the NAL units at the start of an access unit up to its first slice.
    ///
    /// H.264: a keyframe is an IDR slice (type 5), or any slice after an SEI recovery point (payload 6)
    /// in the same access unit. HEVC: the first slice segment (types 0–9, 16–21) is IRAP (BLA, IDR, CRA:
    /// 16–21).
    static func firstPicture(in data: [UInt8], codec: TransportStreamScan.Codec) -> Verdict {
        var recoveryPoint = false
        var i = 0
        var nalStart: Int? = nil
        let count = data.count
        while true {
            // Find the next start code (00 00 01) from i.
            var next: Int? = nil
            var j = i
            while j + 2 < count {
                if data[j + 2] > 1 { j += 3; continue }
                if data[j] == 0, data[j + 1] == 0, data[j + 2] == 1 { next = j; break }
                j += 1
            }
            if let start = nalStart {
                // The NAL unit from `start` runs to `next` (or to the end of what we have so far).
                let end = next ?? count
                switch codec {
                case .h264:
                    guard start < count else { return .undecided }
                    let type = data[start] & 0x1f
                    if type == 1 || type == 5 { return .picture(isKeyframe: type == 5 || recoveryPoint) }
                    if type == 6 {
                        guard next != nil else { return .undecided }
                        if seiHasRecoveryPoint(Array(data[(start + 1)..<end])) { recoveryPoint = true }
                    }
                case .hevc:
                    guard start + 1 < count else { return .undecided }
                    let type = (data[start] >> 1) & 0x3f
                    if type <= 9 || (16...21).contains(type) { return .picture(isKeyframe: type >= 16) }
                }
            }
            guard let next else { return .undecided }
            nalStart = next + 3
            i = next + 3
        }
    }

    /// Whether an H.264 SEI NAL unit's payload (after the header byte) holds a recovery point message.
    static func seiHasRecoveryPoint(_ escaped: [UInt8]) -> Bool {
        // Remove emulation prevention bytes (00 00 03 → 00 00).
        var rbsp: [UInt8] = []
        rbsp.reserveCapacity(escaped.count)
        var zeros = 0
        for byte in escaped {
            if zeros >= 2 && byte == 3 { zeros = 0; continue }
            zeros = byte == 0 ? zeros + 1 : 0
            rbsp.append(byte)
        }
        var i = 0
        while i < rbsp.count, !(rbsp[i] == 0x80 && i == rbsp.count - 1) {
            var type = 0
            while i < rbsp.count, rbsp[i] == 0xff { type += 255; i += 1 }
            guard i < rbsp.count else { return false }
            type += Int(rbsp[i]); i += 1
            var size = 0
            while i < rbsp.count, rbsp[i] == 0xff { size += 255; i += 1 }
            guard i < rbsp.count else { return false }
            size += Int(rbsp[i]); i += 1
            if type == 6 { return true }
            i += size
        }
        return false
    }
}

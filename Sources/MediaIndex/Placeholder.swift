import CFFmpeg
public enum Placeholder { public static func version() -> UInt32 { avformat_version() } }

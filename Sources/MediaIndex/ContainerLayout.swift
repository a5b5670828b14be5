import MediaTimeline

/// What the container's own structure says before libavformat opens the file: the MP4/MOV sample tables,
/// or the Matroska segment layout. Files cut short are refused here, with a reason libavformat would only
/// give as "invalid data".
struct ContainerLayout {
    var mp4: MP4Movie?
    var matroska: MatroskaLayout?

    static func inspect(path: String, fileSize: UInt64) throws(MediaIndexError) -> ContainerLayout {
        var layout = ContainerLayout()
        do {
            let movie = try MP4Parser.parse(path: path)
            if movie.isMissingMediaData {
                throw MediaIndexError(
                    .truncated,
                    "The recording is cut short: its index points to data up to byte \(movie.mediaDataEnd) but the file has \(fileSize) bytes. Upload the complete file.",
                    file: path, stage: "open")
            }
            layout.mp4 = movie
        } catch let error as MP4ParseError where error.code == .truncated {
            throw MediaIndexError(
                .truncated,
                "The recording is cut short or unfinished (\(error.message)); phones write the recording's index last, so an interrupted copy or recording loses it. Upload the complete file.",
                // The container detail is for operators (the report keeps it); people are shown the message without it.
                file: path, stage: "open", ffmpegMessage: error.message)
        } catch let error as MediaIndexError {
            throw error
        } catch {
            // Not MP4, or structures we leave to libavformat (compressed moov, …): it decides.
        }
        if layout.mp4 == nil, let matroska = MatroskaLayout.read(path: path) {
            if let problem = matroska.truncation(fileSize: fileSize) {
                throw MediaIndexError(.truncated, problem, file: path, stage: "open")
            }
            layout.matroska = matroska
        }
        return layout
    }
}

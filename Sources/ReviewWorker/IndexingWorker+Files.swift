public import Foundation
public import ReviewServer

extension IndexingWorker {
    /// Deletes what a failed or killed child left in a recording's media folder (a partial proxy, thumbnails).
    /// Captions (added by people to a ready recording) are kept.
    static func removeLeftovers(in media: URL) {
        guard let walker = FileManager.default.enumerator(atPath: media.path) else { return }
        while let relative = walker.nextObject() as? String {
            let path = media.appendingPathComponent(relative)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path.path, isDirectory: &isDirectory), !isDirectory.boolValue,
                path.lastPathComponent != "captions.vtt" else { continue }
            try? FileManager.default.removeItem(at: path)
        }
    }

    /// At start: temporary files that a killed process left behind (`.proxy-*.partial.*`, Foundation's
    /// `.dat.nosync*` from atomic writes, `.progress`, scratch copies of blobs) anywhere under `media/`, `uploads/`
    /// and `scratch/`, when older than an hour (another process may be writing a younger one).
    public static func removeStrayFiles(in layout: DataLayout, olderThan age: TimeInterval = 3600) {
        let manager = FileManager.default
        let cutoff = Date().addingTimeInterval(-age)
        for folder in [layout.media.string, layout.uploads.string, layout.scratch.string] {
            guard let walker = manager.enumerator(atPath: folder) else { continue }
            while let relative = walker.nextObject() as? String {
                let name = (relative as NSString).lastPathComponent
                guard name.contains(".partial") || name.contains(".dat.nosync") || name == ".progress" else { continue }
                let path = (folder as NSString).appendingPathComponent(relative)
                guard let modified = (try? manager.attributesOfItem(atPath: path))?[.modificationDate] as? Date, modified < cutoff else { continue }
                try? manager.removeItem(atPath: path)
            }
        }
    }
}

import Foundation
import HTTPTypes
import Hummingbird
import ReviewDomain

/// The HTML pages: sign-in, the list of recordings and a recording's player. They are thin shells: the data
/// comes from the JSON API with the session cookie, under the same access rules as every other caller.
struct Pages: Sendable {
    let services: APIServices

    func addRoutes(to router: RouterGroup<ReviewRequestContext>) {
        router.get("/") { request, context in try await home(request, context: context) }
        router.get("signin") { _, _ in Self.html(Self.signInPage) }
        router.get("recordings/:recordingId") { request, context in try await player(request, context: context) }
    }

    func home(_ request: Request, context: ReviewRequestContext) async throws -> Response {
        guard context.identity != nil else { return Self.redirect(to: "/signin") }
        return Self.html(Self.homePage)
    }

    func player(_ request: Request, context: ReviewRequestContext) async throws -> Response {
        guard let actor = context.identity else {
            return Self.redirect(to: "/signin?next=" + (request.uri.path.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/"))
        }
        let recording = try await services.access.recording(try context.id("recordingId"), for: actor)
        return Self.html(Self.playerPage(id: recording.id.description, fileName: Self.escape(recording.fileName)))
    }

    static func redirect(to location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }

    static func html(_ body: String) -> Response {
        Response(
            status: .ok,
            headers: [
                .contentType: "text/html; charset=utf-8",
                .contentSecurityPolicy: "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self'; media-src 'self'; frame-ancestors 'none'",
                HTTPField.Name("X-Content-Type-Options")!: "nosniff",
                .cacheControl: "no-store",
            ],
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(of: "'", with: "&#39;")
    }

    static let style = """
        <style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}
        label{display:block;margin:.6rem 0 .2rem}input{font-size:1rem;padding:.4rem;width:18rem}
        button{font-size:1rem;padding:.4rem 1rem;margin-top:1rem}.error{color:#b00020}
        table{border-collapse:collapse}td,th{padding:.3rem .6rem;border-bottom:1px solid #ddd;text-align:left}
        video{width:100%;max-height:70vh;background:#000}</style>
        """

    static let signInPage = """
        <!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in · ObservationReview</title>\(style)</head>
        <body><h1>ObservationReview</h1><form id="signin">
        <label for="username">Username</label><input id="username" name="username" autocomplete="username" required>
        <label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
        <div><button type="submit">Sign in</button></div><p id="error" class="error" role="alert"></p></form>
        <script>
        document.getElementById('signin').addEventListener('submit', async (event) => {
          event.preventDefault();
          const body = JSON.stringify({username: event.target.username.value, password: event.target.password.value});
          const response = await fetch('/api/v1/session', {method: 'POST', headers: {'Content-Type': 'application/json'}, body, credentials: 'same-origin'});
          if (response.ok) {
            const next = new URLSearchParams(location.search).get('next');
            location.assign(next && next.startsWith('/') && !next.startsWith('//') ? next : '/');
          } else {
            const problem = await response.json().catch(() => ({error: {message: 'Sign-in failed.'}}));
            document.getElementById('error').textContent = problem.error.message;
          }
        });
        </script></body></html>
        """

    static let homePage = """
        <!doctype html><html lang="en"><head><meta charset="utf-8"><title>Recordings · ObservationReview</title>\(style)</head>
        <body><h1>Recordings</h1><p id="who"></p><table><thead><tr><th>File</th><th>Status</th></tr></thead><tbody id="list"></tbody></table>
        <script>
        (async () => {
          const me = await (await fetch('/api/v1/session')).json();
          document.getElementById('who').textContent = 'Signed in as ' + me.user.name + ' (' + me.user.role + ')';
          const response = await fetch('/api/v1/recordings?pageSize=100');
          if (!response.ok) { document.getElementById('list').textContent = 'You have no recordings to see.'; return; }
          for (const r of (await response.json()).items) {
            const row = document.createElement('tr');
            const link = document.createElement('a'); link.href = '/recordings/' + r.id; link.textContent = r.fileName;
            const file = document.createElement('td'); file.appendChild(link);
            const status = document.createElement('td'); status.textContent = r.status + (r.rejectionReason ? ': ' + r.rejectionReason : '');
            row.append(file, status); document.getElementById('list').appendChild(row);
          }
        })();
        </script></body></html>
        """

    static func playerPage(id: String, fileName: String) -> String {
        """
        <!doctype html><html lang="en"><head><meta charset="utf-8"><title>\(fileName) · ObservationReview</title>\(style)</head>
        <body><p><a href="/">All recordings</a></p><h1>\(fileName)</h1>
        <video id="player" controls preload="metadata" poster="/api/v1/recordings/\(id)/thumbnails/0" src="/api/v1/recordings/\(id)/proxy"></video>
        <p id="status"></p>
        <script>
        (async () => {
          const detail = await (await fetch('/api/v1/recordings/\(id)')).json();
          const r = detail.recording;
          document.getElementById('status').textContent = 'Status: ' + r.status + (r.rejectionReason ? ' (' + r.rejectionReason + ')' : '')
            + (detail.job && detail.job.progress != null && r.status === 'indexing' ? ', ' + Math.round(detail.job.progress * 100) + '% indexed' : '');
        })();
        </script></body></html>
        """
    }
}

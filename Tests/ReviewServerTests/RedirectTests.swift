import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import ReviewServer
import Testing

/// Issue 16: `/signin?next=/%5Cevil.example/phish` sent the browser to evil.example after signing in.
@Suite struct RedirectTests {
    /// Each of these leaves the site in some browser, or could after one more decoding.
    static let offSite = [
        "//evil.example", "///evil.example", "/\\evil.example/phish", "\\\\evil.example", "/\\/evil.example",
        "/%5Cevil.example/phish", "/%5cevil.example", "/%2Fevil.example", "/%2fevil.example", "%2F%2Fevil.example",
        "/%252Fevil.example", "/%255Cevil.example", "/%25252F%25252Fevil.example",
        "https://evil.example", "http:/evil.example", "javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,<b>x</b>",
        "evil.example", "./evil", "../evil", "", " /cases", "/\t/evil.example", "/\n/evil.example", "/\r\n//evil.example",
        "/%09/evil.example", "/%0a/evil.example", "/%00", "/\u{0}/evil.example", "/\u{ff0f}evil.example", "/\u{2215}evil.example",
        "/./evil", "/../evil", "/cases/../../evil", "/cases//evil.example", "/%2e%2e/evil", "/ evil", "/cases\\..\\evil",
        String(repeating: "/a", count: 1100),
    ]
    /// Ordinary places on the site.
    static let onSite = [
        "/", "/cases", "/cases/8c7e6a1e-4a51-4c5e-9b8f-0d1c2b3a4f5e", "/cases?state=in_moderation&page=2", "/recordings/x#t=12.5",
        "/statistics?from=2026-01-01", "/search?q=a%20b", "/search?q=caf%C3%A9%20au%20lait", "/audit?subjectType=case&subjectId=1", "/cases?back=http://x",
    ]

    @Test("next accepts only same-origin absolute paths", arguments: offSite)
    func refused(_ next: String) {
        #expect(!SafeRedirect.isSafe(next), "\(next.debugDescription) should be refused")
        #expect(SafeRedirect.path(next) == "/")
    }

    @Test("ordinary paths on the site are kept", arguments: onSite)
    func kept(_ next: String) {
        #expect(SafeRedirect.isSafe(next), "\(next.debugDescription) should be kept")
        #expect(SafeRedirect.path(next) == next)
    }

    @Test("the sign-in page hands its script only a checked path")
    func signInPage() async throws {
        let fixture = try await APIFixture.make()
        try await fixture.withClient { client async throws in
            let evil = try await client.execute(uri: "/signin?next=/%5Cevil.example/phish", method: .get)
            #expect(evil.status == .ok)
            let page = String(buffer: evil.body)
            #expect(page.contains(#"data-next="/""#))
            #expect(!page.contains("evil.example"))
            let good = try await client.execute(uri: "/signin?next=%2Fcases%3Fpage%3D2", method: .get)
            #expect(String(buffer: good.body).contains(#"data-next="/cases?page&#61;2""#) || String(buffer: good.body).contains(#"data-next="/cases?page=2""#))
            // A signed-in visitor is sent on at once, but also only within the site.
            let signedIn = try await client.execute(uri: "/signin?next=//evil.example", method: .get, headers: fixture.headers(.lead))
            #expect(signedIn.status == .seeOther)
            #expect(signedIn.headers[.location] == "/")
        }
    }
}

import Foundation
import ReviewDomain
import Testing

@Suite struct ConsentAndWebVTTTests {
    @Test("the consent rule over 2,000 random sets of answers: training only with everyone's explicit yes, moderation unless someone said no, assessment always")
    func consentRule() {
        var random = SplitMix64(seed: 2026)
        let recording = RecordingID()
        let people: [ConsentPerson] = [.candidate, .actor(1)!, .actor(2)!, .actor(3)!]
        for _ in 0..<2_000 {
            var records: [ConsentRecord] = []
            for person in people {
                for purpose in ConsentPurpose.allCases where random.next() % 3 != 0 {
                    records.append(ConsentRecord(recordingID: recording, person: person, purpose: purpose, granted: random.next() % 2 == 0,
                                                 reference: nil, recordedBy: UserID(), recordedAt: Date()))
                }
            }
            let consent = RecordingConsent(records)
            let onRecording = Set(records.map(\.person)).union([.candidate])
            let yes = { (purpose: ConsentPurpose, person: ConsentPerson) in records.contains { $0.purpose == purpose && $0.person == person && $0.granted } }
            #expect(consent.permits(.assessment))
            #expect(consent.permits(.training) == onRecording.allSatisfy { yes(.training, $0) })
            #expect(consent.permits(.moderation) == !records.contains { $0.purpose == .moderation && !$0.granted })
            // Nothing recorded for training by the candidate: never reused.
            if !yes(.training, .candidate) { #expect(!consent.permits(.training)) }
        }
        #expect(RecordingConsent([]).permits(.moderation) && !RecordingConsent([]).permits(.training))
        #expect(ConsentPerson(rawValue: "actor-0") == nil && ConsentPerson(rawValue: "actor-21") == nil && ConsentPerson(rawValue: "actor-01") == nil)
        #expect([ConsentPerson.actor(10)!, .actor(2)!, .candidate].sorted() == [.candidate, .actor(2)!, .actor(10)!])
    }

    @Test("notes become valid WebVTT: ordered cues, moments shown for 5 s, text escaped, no blank line inside a cue")
    func webVTT() throws {
        let notes = [
            try Annotation(start: 3725.25, end: 3730, text: "a --> b & <i>", tag: "PCF 6", duration: nil),
            try Annotation(start: 1, text: "first\n\n\nsecond line", duration: nil),
        ]
        let vtt = Annotation.webVTT(notes, title: "Notes\nof Moderator 1")
        #expect(vtt == """
            WEBVTT - Notes of Moderator 1

            1
            00:00:01.000 --> 00:00:06.000
            first
            second line

            2
            01:02:05.250 --> 01:02:10.000
            [PCF 6] a --&gt; b &amp; &lt;i&gt;

            """)
    }
}

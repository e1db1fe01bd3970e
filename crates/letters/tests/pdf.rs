//! Letters as tagged PDF: well-formed (every cross-reference lands on its
//! object), tagged (a structure tree with an element for every piece of
//! marked content, the language and title declared), and never carrying
//! anything but the recipient's own details and the service's address;
//! and every name written in it drawn in the embedded typeface and read back
//! exactly (through the PDF's own `ToUnicode` map, see `extracted_text`).

use case_records::{
    BankAccount, CaseParties, CaseReference, CaseView, Person, PersonId, ReceivingParentId, Role,
    Sensitive, SortCode, Viewer, view_for,
};
use domain_types::Date;
use letters::{Letter, neutral_notice};

fn person(id: u64, tag: &str) -> Person {
    Person {
        id: PersonId(id),
        name: Sensitive::new(format!("NAME-{tag}")),
        address: Sensitive::new(format!("ADDRESS-{tag}")),
        postcode: Sensitive::new(format!("POSTCODE-{tag}")),
        phone: Some(Sensitive::new(format!("PHONE-{tag}"))),
        email: Some(Sensitive::new(format!("EMAIL-{tag}"))),
        employer: Some(Sensitive::new(format!("EMPLOYER-{tag}"))),
        bank: Some(BankAccount {
            sort_code: SortCode::parse("20-45-77").unwrap(),
            account_number: Sensitive::new(format!("ACCOUNT-{tag}")),
        }),
        ni_number: None,
        date_of_birth: None,
        abuse_disclosure: None,
        non_disclosure: false,
    }
}

fn parties() -> CaseParties {
    CaseParties {
        reference: CaseReference::from_random(77),
        paying_parent: person(1, "PAYER"),
        receiving_parents: vec![(ReceivingParentId(1), person(2, "RECEIVER"))],
        children: Vec::new(),
        named_caseworker: None,
    }
}

fn own_details(person: u64, role: Role) -> case_records::OwnDetails {
    let viewer = Viewer {
        person: PersonId(person),
        role,
        break_glass_reason: None,
    };
    match view_for(&viewer, &parties()).unwrap().view {
        CaseView::Parent(view) => view.me,
        CaseView::Staff(_) => panic!("a parent's view"),
    }
}

fn letter() -> Letter {
    Letter::to_parent(
        "Child Maintenance Service, PO Box 1, Testtown TT1 1TT",
        &own_details(1, Role::PayingParent),
        Date::parse_iso("2026-06-01").unwrap(),
        CaseReference::from_random(77),
        "Your child maintenance calculation",
        vec![
            "You need to pay £48.00 a week (basic rate: 12% of £400.00).".to_owned(),
            "Brackets (like these) and a backslash \\ are kept.".to_owned(),
        ],
    )
}

#[test]
fn the_pdf_is_well_formed_and_every_cross_reference_lands_on_its_object() {
    let pdf = letter().to_pdf();
    assert!(pdf.starts_with(b"%PDF-1.7\n"));
    assert!(pdf.ends_with(b"%%EOF\n"));
    let text = String::from_utf8_lossy(&pdf).into_owned();
    let startxref: usize = text
        .rsplit("startxref\n")
        .next()
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(pdf[startxref..].starts_with(b"xref\n"));
    assert!(objects_land(&pdf) >= 10);
    // The pound sign is one byte, 0xA3 (its Latin-1 value), not two bytes
    // of UTF-8; and it reads back as itself.
    assert!(pdf.windows(6).any(|w| w == b"\xA348.00"));
    assert!(extracted_text(&pdf).contains("You need to pay £48.00 a week"));
}

#[test]
fn the_pdf_is_tagged_with_an_element_for_every_piece_of_text() {
    let letter = letter();
    let pdf = String::from_utf8_lossy(&letter.to_pdf()).into_owned();
    assert!(pdf.contains("/MarkInfo << /Marked true >>"));
    assert!(pdf.contains("/StructTreeRoot 4 0 R"));
    assert!(pdf.contains("/Lang (en-GB)"));
    assert!(pdf.contains("/DisplayDocTitle true"));
    assert!(pdf.contains("/Title (Your child maintenance calculation)"));
    let blocks = letter.lines().len();
    for mcid in 0..blocks {
        assert!(
            pdf.contains(&format!("<</MCID {mcid}>> BDC")),
            "marked content {mcid}"
        );
        assert!(
            pdf.contains(&format!("/K {mcid} >>")),
            "structure element {mcid}"
        );
    }
    assert_eq!(pdf.matches("/S /H1").count(), 1);
    assert_eq!(pdf.matches("/S /P ").count(), blocks - 1);
    assert!(pdf.contains("\\(like these\\)") && pdf.contains("\\\\"));
}

#[test]
fn a_letter_carries_only_the_recipients_own_details_and_the_services_address() {
    for (person, role, other) in [
        (1, Role::PayingParent, "RECEIVER"),
        (2, Role::ReceivingParent, "PAYER"),
    ] {
        let own = own_details(person, role);
        let notice = neutral_notice(
            "Child Maintenance Service, PO Box 1, Testtown TT1 1TT",
            &own,
            Date::parse_iso("2026-06-01").unwrap(),
            CaseReference::from_random(77),
            "From now on the Child Maintenance Service will collect and pass on child maintenance payments for this case.",
        );
        let pdf = String::from_utf8_lossy(&notice.to_pdf()).into_owned();
        for kind in [
            "ADDRESS", "POSTCODE", "PHONE", "EMAIL", "EMPLOYER", "ACCOUNT", "NAME",
        ] {
            let secret = format!("{kind}-{other}");
            assert!(!pdf.contains(&secret), "{secret} in a letter to {role:?}");
        }
        assert!(pdf.contains(&own.address), "addressed to the recipient");
        assert!(pdf.contains("PO Box 1"));
    }
}

/// The cross-reference table's offsets, each checked to land on its object.
fn objects_land(pdf: &[u8]) -> usize {
    let text = String::from_utf8_lossy(pdf).into_owned();
    let table = &text[text.rfind("xref\n0 ").unwrap()..];
    let offsets: Vec<usize> = table
        .lines()
        .skip(3)
        .take_while(|l| l.ends_with(" n "))
        .map(|l| l[..10].parse().unwrap())
        .collect();
    for (index, offset) in offsets.iter().enumerate() {
        assert!(pdf[*offset..].starts_with(format!("{} 0 obj", index + 1).as_bytes()));
    }
    offsets.len()
}

#[test]
fn a_referral_pack_runs_over_pages_as_one_tagged_document_with_protected_details_withheld() {
    let day = |n: i32| Date::parse_iso("2025-01-06").unwrap().add_days(n).unwrap();
    let mut events = Vec::new();
    for week in 0..150 {
        events.push(safety::CaseEvent::Due {
            on: day(7 * week),
            amount: domain_types::Pence::new(4_800),
        });
        events.push(safety::CaseEvent::Payment {
            on: day(7 * week + 3),
            amount: domain_types::Pence::new(100),
            words: Some(format!("I know you live at ADDRESS-RECEIVER week {week}")),
        });
    }
    let signals = safety::scan(&events, day(7 * 150), safety::Thresholds::embedded());
    assert!(!signals.is_empty());
    let pack = safety::referral_pack(
        safety::Recipient::Police,
        "CM-TEST",
        day(7 * 150),
        &signals,
        &events,
        &{
            let mut protected = case_records::Locators::none();
            protected.address("ADDRESS-RECEIVER");
            protected.postcode("POSTCODE-RECEIVER");
            protected
        },
    );
    let pdf = letters::referral_pack_pdf(&pack, "Child Maintenance Service, PO Box 1");
    let text = String::from_utf8_lossy(&pdf).into_owned();
    assert!(!text.contains("ADDRESS-RECEIVER"));
    assert!(text.contains("[withheld]"));
    let pages: usize = text
        .split("/Type /Pages /Kids [")
        .nth(1)
        .unwrap()
        .split("/Count ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(pages > 5, "{pages} pages");
    assert_eq!(text.matches("/Type /Page ").count(), pages);
    assert_eq!(text.matches(&format!("Page {pages} of {pages}")).count(), 1);
    // Every page is in the parent tree; every timeline entry and signal is
    // an element; each marked-content sequence on a page belongs to one.
    assert!(text.contains(&format!("/ParentTreeNextKey {pages}")));
    let elements = text.matches("/Type /StructElem").count() - 1;
    let evidence: usize = pack.signals.iter().map(|s| s.evidence.len() + 1).sum();
    assert_eq!(elements, 3 + 1 + 1 + evidence + 1 + pack.timeline.len());
    assert_eq!(text.matches("/S /H2").count(), 2);
    let marks = text.matches(">> BDC").count();
    let parent_refs: usize = text
        .split("/Nums [")
        .nth(1)
        .unwrap()
        .split(">>")
        .next()
        .unwrap()
        .matches(" 0 R")
        .count();
    assert_eq!(marks, parent_refs);
    assert!(objects_land(&pdf) > 7 + 2 * pages);
    if let Ok(path) = std::env::var("REFERRAL_PDF_OUT") {
        std::fs::write(path, &pdf).unwrap();
    }
    for week in [0, 75, 149] {
        assert!(text.contains(&format!("{}: payment of", day(7 * week + 3))));
    }
}

#[test]
fn a_paragraph_longer_than_a_page_stays_one_element_across_pages() {
    let long = "word ".repeat(8_000);
    let pdf = letters::tagged_pdf(
        "Long",
        &[
            (letters::Role::Heading, "Long".to_owned()),
            (letters::Role::Paragraph, long),
        ],
    );
    let text = String::from_utf8_lossy(&pdf).into_owned();
    let pages = text.matches("/Type /Page ").count();
    assert!(pages >= 2, "{pages}");
    assert_eq!(text.matches("/S /P ").count(), 1);
    // One marked-content reference per page for the paragraph, each naming its page.
    assert_eq!(text.matches("/Type /MCR").count(), pages);
    objects_land(&pdf);
}

/// A letter to a parent with the given name, whose paragraphs name another.
fn letter_to(name: &str, paragraphs: Vec<String>) -> Letter {
    let mut own = own_details(1, Role::PayingParent);
    own.name = name.to_owned();
    Letter::to_parent(
        "Child Maintenance Service, PO Box 1, Testtown TT1 1TT",
        &own,
        Date::parse_iso("2026-06-01").unwrap(),
        CaseReference::from_random(77),
        "Your child maintenance calculation",
        paragraphs,
    )
}

/// Names a parent in Great Britain may have: Welsh, Irish, Scottish, and
/// other Latin-script names (Polish, Romanian, Turkish, Czech, Icelandic,
/// Vietnamese and more).
const NAMES: &[&str] = &[
    "Zoë Ó'Brien-Siân",
    "Gwenllian ap Rhys-Ŵyn",
    "Ŷwain Bŵen ŵyr Ŷr",
    "Siôn Dafydd Jên Ffransis Ẁ ẁ Ẃ ẃ Ẅ ẅ Ỳ ỳ",
    "Seán Ó Súilleabháin, Niamh Nic Giolla Phádraig",
    "Màiri NicDhòmhnaill, Eòghann MacAoidh",
    "Łukasz Śliwiński, Żaneta Wójcik, Zbigniew Brzęczyszczykiewicz",
    "Ștefan Țurcanu, Ioana Mureșan",
    "Ağca Işık, Çağrı Öztürk, İpek Şahin",
    "Dvořák Jiří, Ærø Øster, Þórður Ásgeirsdóttir, Nguyễn Thị Ánh",
    "Ĳsbrand Œuvray, Ðorđe Đukić, Ŋ ß ẞ",
];

#[test]
fn accented_names_are_drawn_and_read_back_exactly_never_as_question_marks() {
    let letter = letter_to(
        "Zoë Ó'Brien-Siân",
        vec![format!(
            "Gwenllian ap Rhys-Ŵyn told us about the change. {}",
            NAMES.join("; ")
        )],
    );
    let pdf = letter.to_pdf();
    let text = extracted_text(&pdf);
    for name in NAMES {
        assert!(text.contains(name), "{name} not in {text}");
    }
    assert!(!text.contains('?'), "{text}");
    // Every character is drawn with its own glyph: none is the empty
    // .notdef glyph (glyph 0), no two characters share one, so none is the
    // white square drawn for what the typeface lacks.
    let glyphs = code_glyphs(&pdf);
    let mut seen = std::collections::BTreeSet::new();
    for (code, glyph) in &glyphs {
        assert_ne!(*glyph, 0, "code {code:?} drawn as .notdef");
        assert!(seen.insert(*glyph), "code {code:?} shares glyph {glyph}");
    }
    // And nothing is left out: what is read back is every line, in order
    // (wrapping joins words with one space).
    let words = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
    let lines: Vec<String> = letter.lines().into_iter().map(|(_, l)| l).collect();
    assert_eq!(text, words(&lines.join(" ")));
}

#[test]
fn every_writer_draws_names_in_the_embedded_typeface() {
    let name = "Gwenllian ap Rhys-Ŵyn";
    let day = Date::parse_iso("2026-06-01").unwrap();
    let mut own = own_details(2, Role::ReceivingParent);
    own.name = "Zoë Ó'Brien-Siân".to_owned();
    let events = vec![safety::CaseEvent::Payment {
        on: day,
        amount: domain_types::Pence::new(100),
        words: Some(format!("from {name}")),
    }];
    let pack = safety::referral_pack(
        safety::Recipient::Police,
        "CM-TEST",
        day,
        &[],
        &events,
        &case_records::Locators::none(),
    );
    let pdfs = [
        ("letter", letter_to(name, Vec::new()).to_pdf()),
        (
            "neutral notice",
            neutral_notice(
                "Gwasanaeth Cynhaliaeth Plant, Blwch Post 1, Caerdydd",
                &own,
                day,
                CaseReference::from_random(77),
                &format!("Dear {name}: from now on we collect payments."),
            )
            .to_pdf(),
        ),
        (
            "referral pack",
            letters::referral_pack_pdf(&pack, "Gwasanaeth Cynhaliaeth Plant"),
        ),
        (
            "tagged PDF",
            letters::tagged_pdf(
                &format!("Payment schedule for {name}"),
                &[
                    (
                        letters::Role::Heading,
                        format!("Payment schedule for {name}"),
                    ),
                    (letters::Role::Paragraph, "£57.60 on 2026-06-08".to_owned()),
                ],
            ),
        ),
    ];
    for (writer, pdf) in &pdfs {
        let text = extracted_text(pdf);
        assert!(text.contains(name), "{writer}: {text}");
        assert!(!text.contains('?'), "{writer}: {text}");
        let raw = String::from_utf8_lossy(pdf);
        assert!(!raw.contains("/Helvetica"), "{writer}");
        assert!(raw.contains("/Subtype /CIDFontType2"), "{writer}");
        assert!(
            raw.contains("+LiberationSans /Flags 4 ") && raw.contains("/FontFile2 "),
            "{writer}"
        );
        objects_land(pdf);
    }
    assert!(extracted_text(&pdfs[1].1).contains("Zoë Ó'Brien-Siân"));
    // A title beyond ASCII is a UTF-16BE text string: "Payment" then "Ŵ".
    let raw = String::from_utf8_lossy(&pdfs[3].1).into_owned();
    assert!(raw.contains("/Title <FEFF005000610079006D0065006E0074"));
    assert!(raw.contains("0052006800790073002D01740079006E>"));
}

#[test]
fn the_same_letter_makes_the_same_bytes() {
    let letter = letter_to("Zoë Ó'Brien-Siân", vec!["Gwenllian ap Rhys-Ŵyn".to_owned()]);
    assert_eq!(letter.to_pdf(), letter.to_pdf());
}

#[test]
fn a_character_the_typeface_lacks_is_drawn_as_a_square_and_read_back_as_itself() {
    let pdf = letter_to("李小龍 “Bruce” Lee – €5", Vec::new()).to_pdf();
    let text = extracted_text(&pdf);
    assert!(text.contains("李小龍 “Bruce” Lee – €5"), "{text}");
    let glyphs = code_glyphs(&pdf);
    assert!(glyphs.iter().all(|(_, glyph)| *glyph != 0));
    // The three Chinese characters share one glyph, the white square.
    let mut counts = std::collections::BTreeMap::new();
    for (_, glyph) in &glyphs {
        *counts.entry(*glyph).or_insert(0) += 1;
    }
    assert_eq!(counts.values().filter(|n| **n > 1).count(), 1);
    assert_eq!(counts.values().max(), Some(&3));
}

#[test]
fn pdftotext_reads_the_names_if_it_is_installed() {
    let Ok(version) = std::process::Command::new("pdftotext").arg("-v").output() else {
        eprintln!("pdftotext is not installed; the pure-Rust extraction checks the same");
        return;
    };
    assert!(version.status.success());
    let letter = letter_to(
        "Zoë Ó'Brien-Siân",
        vec![
            "Gwenllian ap Rhys-Ŵyn, Łukasz Śliwiński, Ștefan Țurcanu, Ağca Işık, ŵ ŷ Ŵ Ŷ"
                .to_owned(),
        ],
    );
    let path = std::env::temp_dir().join(format!("letters-pdftotext-{}.pdf", std::process::id()));
    std::fs::write(&path, letter.to_pdf()).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&path);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for name in [
        "Zoë Ó'Brien-Siân",
        "Gwenllian ap Rhys-Ŵyn, Łukasz Śliwiński, Ștefan Țurcanu, Ağca Işık, ŵ ŷ Ŵ Ŷ",
    ] {
        assert!(text.contains(name), "{name} not in {text}");
    }
    assert!(!text.contains('?'), "{text}");
}

/// Every object's body, by number, found through the cross-reference table.
fn objects(pdf: &[u8]) -> std::collections::BTreeMap<usize, &[u8]> {
    let text = String::from_utf8_lossy(pdf).into_owned();
    let table = &text[text.rfind("xref\n0 ").unwrap()..];
    table
        .lines()
        .skip(3)
        .take_while(|l| l.ends_with(" n "))
        .enumerate()
        .map(|(index, line)| {
            let offset: usize = line[..10].parse().unwrap();
            let body = &pdf[offset..];
            let start = find(body, b" 0 obj\n").unwrap() + 7;
            let end = find(body, b"\nendobj\n").unwrap();
            (index + 1, &body[start..end])
        })
        .collect()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The object number after `key` in a dictionary: `key N 0 R`.
fn reference(body: &[u8], key: &str) -> usize {
    let at = find(body, key.as_bytes()).unwrap_or_else(|| panic!("no {key}")) + key.len();
    let rest = String::from_utf8_lossy(&body[at..]);
    rest.trim_start_matches([' ', '['])
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// A stream object's data.
fn stream_data(body: &[u8]) -> &[u8] {
    let start = find(body, b"stream\n").unwrap() + 7;
    let end = body.len() - b"\nendstream".len();
    &body[start..end]
}

/// The `<hex> <hex>` or `<hex> number` pairs of a CMap between `begin` and
/// `end` lines, as (code bytes, the rest).
fn cmap_pairs(cmap: &str, begin: &str, end: &str) -> Vec<(Vec<u8>, String)> {
    let mut pairs = Vec::new();
    let mut inside = false;
    for line in cmap.lines() {
        if line.ends_with(begin) {
            inside = true;
        } else if line == end {
            inside = false;
        } else if inside {
            let (code, rest) = line.split_once(' ').unwrap();
            pairs.push((hex(code), rest.to_owned()));
        }
    }
    pairs
}

fn hex(token: &str) -> Vec<u8> {
    let digits = token.trim_start_matches('<').trim_end_matches('>');
    (0..digits.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&digits[i..i + 2], 16).unwrap())
        .collect()
}

/// The font of a PDF (object 3, the one font every page uses): its encoding
/// CMap and `ToUnicode` CMap as text.
fn font_cmaps(pdf: &[u8]) -> (String, String) {
    let objects = objects(pdf);
    let font = objects[&3];
    assert!(find(font, b"/Subtype /Type0").is_some());
    let encoding = objects[&reference(font, "/Encoding")];
    let to_unicode = objects[&reference(font, "/ToUnicode")];
    (
        String::from_utf8(stream_data(encoding).to_vec()).unwrap(),
        String::from_utf8(stream_data(to_unicode).to_vec()).unwrap(),
    )
}

/// Each code the font's encoding CMap defines, with the glyph that draws it
/// (its CID, which is the glyph of the embedded subset).
fn code_glyphs(pdf: &[u8]) -> Vec<(Vec<u8>, u16)> {
    let (encoding, _) = font_cmaps(pdf);
    assert!(encoding.contains("/CIDInit /ProcSet findresource begin"));
    cmap_pairs(&encoding, "begincidchar", "endcidchar")
        .into_iter()
        .map(|(code, cid)| (code, cid.parse().unwrap()))
        .collect()
}

/// The text a PDF shows, as a reader extracts it: each string shown with
/// `Tj` in each page's content stream, its bytes split into codes by the
/// font's code space and each code turned into characters by the font's
/// `ToUnicode` map; the strings joined by spaces (lines break between words).
fn extracted_text(pdf: &[u8]) -> String {
    let objects = objects(pdf);
    let (_, to_unicode) = font_cmaps(pdf);
    let ranges: Vec<(Vec<u8>, Vec<u8>)> =
        cmap_pairs(&to_unicode, "begincodespacerange", "endcodespacerange")
            .into_iter()
            .map(|(low, high)| (low, hex(&high)))
            .collect();
    let unicode: std::collections::BTreeMap<Vec<u8>, String> =
        cmap_pairs(&to_unicode, "beginbfchar", "endbfchar")
            .into_iter()
            .map(|(code, utf16)| {
                let bytes = hex(&utf16);
                let units: Vec<u16> = bytes
                    .chunks(2)
                    .map(|pair| u16::from_be_bytes([pair[0], pair[1]]))
                    .collect();
                (code, String::from_utf16(&units).unwrap())
            })
            .collect();
    let mut shown = Vec::new();
    for body in objects.values() {
        if find(body, b"/Type /Page ").is_none() {
            continue;
        }
        let content = stream_data(objects[&reference(body, "/Contents")]);
        for string in shown_strings(content) {
            let mut text = String::new();
            let mut rest = string.as_slice();
            while !rest.is_empty() {
                let length = ranges
                    .iter()
                    .find(|(low, high)| low.len() == 1 && (low[0]..=high[0]).contains(&rest[0]))
                    .map_or(2, |_| 1);
                let code = &rest[..length];
                assert!(
                    ranges.iter().any(|(low, high)| low.len() == length
                        && code
                            .iter()
                            .zip(low.iter().zip(high))
                            .all(|(b, (l, h))| (l..=h).contains(&b))),
                    "code {code:?} outside the code space"
                );
                text.push_str(
                    unicode
                        .get(code)
                        .unwrap_or_else(|| panic!("code {code:?} not in ToUnicode")),
                );
                rest = &rest[length..];
            }
            shown.push(text);
        }
    }
    // Page numbers are artifacts, not text; leave them out.
    shown.retain(|s| !(s.starts_with("Page ") && s.contains(" of ")));
    shown.join(" ")
}

/// The literal strings a content stream shows with `Tj`, unescaped.
fn shown_strings(content: &[u8]) -> Vec<Vec<u8>> {
    let mut strings = Vec::new();
    let mut at = 0;
    while at < content.len() {
        if content[at] != b'(' {
            at += 1;
            continue;
        }
        let mut string = Vec::new();
        let mut depth = 1;
        at += 1;
        while depth > 0 {
            let byte = content[at];
            at += 1;
            match byte {
                b'\\' => {
                    let escaped = content[at];
                    at += 1;
                    match escaped {
                        b'n' => string.push(b'\n'),
                        b'r' => string.push(b'\r'),
                        b't' => string.push(b'\t'),
                        b'0'..=b'7' => {
                            let mut value = u32::from(escaped - b'0');
                            for _ in 0..2 {
                                if content[at].is_ascii_digit() && content[at] < b'8' {
                                    value = value * 8 + u32::from(content[at] - b'0');
                                    at += 1;
                                }
                            }
                            string.push(u8::try_from(value).unwrap());
                        }
                        other => string.push(other),
                    }
                }
                b'(' => {
                    depth += 1;
                    string.push(byte);
                }
                b')' => {
                    depth -= 1;
                    if depth > 0 {
                        string.push(byte);
                    }
                }
                _ => string.push(byte),
            }
        }
        if content[at..].starts_with(b" Tj") {
            strings.push(string);
        }
    }
    strings
}

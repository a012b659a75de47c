//! The import file's rows as a pure function of its bytes: every class of
//! bad input, line numbers however lines end, and property tests that feed
//! it generated files and arbitrary bytes.

use proptest::prelude::*;

use super::{FileError, LineIndex, Row, Rows};

/// Every row of `input`, or the whole-file refusal.
fn parse(input: &[u8]) -> Result<Vec<Row>, FileError> {
    Rows::new(input).map(|rows| {
        rows.map(|row| row.expect("reading from memory never fails"))
            .collect()
    })
}

/// `(line, Ok(email) | Err(message))` of each row.
fn summary(input: &[u8]) -> Vec<(u64, Result<String, String>)> {
    parse(input)
        .unwrap_or_else(|e| panic!("header refused: {e:?}"))
        .into_iter()
        .map(|row| {
            let result = row.result.map(|r| r.email.to_string());
            (row.line, result.map_err(|e| e.to_string()))
        })
        .collect()
}

fn header_error(input: &[u8]) -> (u64, String) {
    match parse(input) {
        Err(FileError::Header { line, message }) => (line, message),
        other => panic!("expected a header error, got {other:?}"),
    }
}

#[test]
fn rows_are_numbered_by_the_line_they_start_on_whatever_ends_the_lines() {
    for end in ["\n", "\r\n", "\r"] {
        let file = ["email,full_name", "a@example.com,A", "b@example.com,B", ""].join(end);
        assert_eq!(
            summary(file.as_bytes()),
            [
                (2, Ok("a@example.com".into())),
                (3, Ok("b@example.com".into()))
            ],
            "{end:?}"
        );
    }
}

#[test]
fn blank_lines_and_quoted_line_breaks_still_count_as_lines() {
    let file = "email,full_name,comment\n\n\na@example.com,A,\"one\ntwo\r\nthree\"\r\n\r\nbad,B,\n";
    let rows = summary(file.as_bytes());
    assert_eq!(rows[0], (4, Ok("a@example.com".into())));
    assert_eq!(rows[1].0, 8);
    assert!(rows[1].1.as_ref().is_err_and(|e| e.starts_with("email:")));
    assert_eq!(rows.len(), 2);
}

#[test]
fn a_byte_order_mark_and_header_case_are_accepted() {
    let file = "\u{feff}Email,Full_Name\r\na@example.com,A\r\n";
    assert_eq!(summary(file.as_bytes()), [(2, Ok("a@example.com".into()))]);
}

#[test]
fn a_wrong_or_missing_header_refuses_the_whole_file_naming_its_line() {
    for file in [
        &b"mail,name\na@example.com,A\n"[..],
        b"email\na@example.com\n",
        b"email,full_name,comment,extra\n",
        b"full_name,email\n",
        b"",
        b"\xff\xfe,\x00\n",
        b"a@example.com,A\n",
    ] {
        let (line, message) = header_error(file);
        assert_eq!(line, 1, "{file:?}");
        assert!(
            message.contains("expected the header email,full_name"),
            "{message}"
        );
    }
    assert_eq!(
        header_error(b"\n\nmail,name\n").0,
        3,
        "leading blank lines count"
    );
}

#[test]
fn each_bad_row_is_reported_with_its_line_and_the_field_at_fault() {
    let long = "x".repeat(10_000);
    let longer = "x".repeat(10_001);
    let file = format!(
        "email,full_name,comment\n\
         ok@example.com,Имя,{long}\n\
         a@example.com,{long},\n\
         b@example.com,B,{longer}\n\
         c@example.com,C\n\
         d@example.com,D,x,y\n\
         e\0@example.com,E,\n\
         f@example.com,F\0,\n\
         \"g@example\n.com\",G,\n\
         \"h @example.com\",H,\n\
         i..j@example.com,I,\n\
         иван@пример.рф,J,\n\
         \"\"\"k\"\"@example.com\",K,\n\
         ,L,\n\
         m@example.com,,\n\
         n@example.com,\"Two\nlines\",\n\
         o@example.com,O,\"\x1b[31m\"\n"
    );
    let rows = summary(file.as_bytes());
    let expected: &[(u64, &str)] = &[
        (2, "ok"),
        (3, "full_name: must be at most 100 characters"),
        (4, "comment: must be at most 10000 characters"),
        (5, "expected 3 columns, got 2"),
        (6, "expected 3 columns, got 4"),
        (7, "email: must not contain control characters"),
        (8, "full_name: must not contain control characters"),
        (9, "email: must not contain line breaks"),
        (
            11,
            "email: is not a valid email address: must not contain spaces",
        ),
        (12, "email: is not a valid email address: dots"),
        (13, "email: is not a valid email address: only ASCII"),
        (
            14,
            "email: is not a valid email address: quoted local parts",
        ),
        (15, "email: must not be empty"),
        (16, "full_name: must not be empty"),
        (17, "full_name: must not contain line breaks"),
        (19, "comment: must not contain control characters"),
    ];
    assert_eq!(rows.len(), expected.len(), "{rows:#?}");
    for ((line, result), (want_line, want)) in rows.iter().zip(expected) {
        assert_eq!(line, want_line, "{result:?}");
        match result {
            Ok(_) => assert_eq!(*want, "ok", "line {line}"),
            Err(e) => assert!(e.starts_with(want), "line {line}: {e}"),
        }
    }
}

#[test]
fn invalid_utf8_is_reported_on_its_row_naming_the_column_and_reading_goes_on() {
    let rows = summary(b"email,full_name\na@example.com,\xff\xfe\nb@example.com,B\n");
    assert_eq!(rows[0].0, 2);
    assert_eq!(
        rows[0].1,
        Err("full_name: not valid UTF-8 (save the file as UTF-8)".into())
    );
    assert_eq!(rows[1], (3, Ok("b@example.com".into())));
}

#[test]
fn a_million_blank_lines_take_no_memory_and_are_still_counted() {
    let mut index = LineIndex::new(std::io::empty());
    index.scan(&b"\r\n".repeat(1_000_000));
    index.scan(b"a@example.com,A\n");
    assert_eq!(index.starts.len(), 1, "only the non-empty line is kept");
    assert_eq!(index.line_of(0), 1_000_001);
}

/// A field as a spreadsheet would write it: quoted when it must be, or
/// when `quote` says so.
fn field(value: &str, quote: bool) -> String {
    if quote || value.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}

#[derive(Debug, Clone)]
struct GenRow {
    email: String,
    name: String,
    comment: String,
    quote: bool,
    extra_column: bool,
    blank_lines_before: usize,
}

fn gen_row() -> impl Strategy<Value = GenRow> {
    let email = prop_oneof![
        4 => "[a-z]{1,8}@example\\.com",
        1 => Just("not-an-email".to_owned()),
        1 => Just("a b@example.com".to_owned()),
        1 => Just("x..y@example.com".to_owned()),
        1 => Just("\"q\"@example.com".to_owned()),
        1 => Just(String::new()),
    ];
    let name = prop_oneof![
        4 => "[A-Za-zА-Яа-я]{1,20}( [A-Za-zА-Яа-я]{1,20})?",
        1 => Just(String::new()),
        1 => Just("Two\nlines".to_owned()),
        1 => Just("Bell\u{7}".to_owned()),
        1 => Just("Я".repeat(101)),
    ];
    let comment = prop_oneof![
        "[a-zA-Z ,\"]{0,20}[a-z]",
        Just(String::new()),
        Just("line one\nline two".to_owned()),
        Just("a, \"quoted\", b".to_owned()),
        Just("nul\0".to_owned()),
    ];
    (
        email,
        name,
        comment,
        any::<bool>(),
        prop::bool::weighted(0.1),
        0..3usize,
    )
        .prop_map(
            |(email, name, comment, quote, extra_column, blank_lines_before)| GenRow {
                email,
                name,
                comment,
                quote,
                extra_column,
                blank_lines_before,
            },
        )
}

/// Renders `rows` with line ends `end` (also inside quoted fields);
/// returns the file and each row's expected line and validity.
fn render(
    rows: &[GenRow],
    comments: bool,
    end: &str,
    final_end: bool,
) -> (String, Vec<(u64, bool)>) {
    let mut file = if comments {
        "email,full_name,comment".to_owned()
    } else {
        "email,full_name".to_owned()
    };
    let mut line = 1u64;
    let mut expected = Vec::new();
    for row in rows {
        for _ in 0..row.blank_lines_before {
            file.push_str(end);
            line += 1;
        }
        file.push_str(end);
        line += 1;
        let mut fields = vec![row.email.clone(), row.name.clone()];
        if comments {
            fields.push(row.comment.clone());
        }
        if row.extra_column {
            fields.push("extra".into());
        }
        let text = fields
            .iter()
            .map(|f| field(&f.replace('\n', end), row.quote))
            .collect::<Vec<_>>()
            .join(",");
        let valid = !row.extra_column
            && crate::EmailAddress::parse(&row.email).is_ok()
            && crate::FullName::parse(&row.name).is_ok()
            && (!comments || crate::Comment::parse(&row.comment).is_ok());
        expected.push((line, valid));
        line += fields
            .iter()
            .map(|f| f.matches('\n').count() as u64)
            .sum::<u64>();
        file.push_str(&text);
    }
    if final_end {
        file.push_str(end);
    }
    (file, expected)
}

/// The number of lines of `bytes`, with LF, CRLF and lone CR each ending one.
fn line_count(bytes: &[u8]) -> u64 {
    let mut lines = 1;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => lines += 1,
            b'\r' => {
                lines += 1;
                if bytes.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    lines
}

/// Bytes that look like CSV often enough to get past the header.
fn csv_like_bytes() -> impl Strategy<Value = Vec<u8>> {
    let alphabet = prop::sample::select(vec![
        b',', b'"', b'\r', b'\n', b' ', b'a', b'@', b'.', b'x', 0, 0x1b, 0xff, 0xef, 0xbb, 0xbf,
        0xd0, 0x98,
    ]);
    let body = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..400),
        prop::collection::vec(alphabet, 0..400),
    ];
    let header = prop::sample::select(vec![
        &b""[..],
        b"email,full_name\n",
        b"email,full_name,comment\r\n",
        b"\xef\xbb\xbfemail,full_name\r",
    ]);
    (header, body).prop_map(|(h, b)| [h, &b[..]].concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn every_generated_row_is_imported_or_reported_on_its_own_line(
        rows in prop::collection::vec(gen_row(), 0..12),
        comments in any::<bool>(),
        end in prop::sample::select(vec!["\n", "\r\n", "\r"]),
        final_end in any::<bool>(),
    ) {
        let (file, expected) = render(&rows, comments, end, final_end);
        let parsed = parse(file.as_bytes()).expect("the header is right");
        let got: Vec<(u64, bool)> = parsed.iter().map(|r| (r.line, r.result.is_ok())).collect();
        prop_assert_eq!(got, expected, "{:?}", file);
        for (row, generated) in parsed.iter().zip(&rows) {
            if let Ok(new) = &row.result {
                prop_assert_eq!(new.email.as_str(), generated.email.as_str());
                prop_assert_eq!(new.full_name.as_str(), generated.name.as_str());
            }
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_every_row_has_a_line_in_the_file(input in csv_like_bytes()) {
        match Rows::new(&input[..]) {
            Err(FileError::Header { line, message }) => {
                prop_assert!(line >= 1 && line <= line_count(&input));
                prop_assert!(message.contains("expected the header"));
            }
            Err(FileError::Io(e)) => prop_assert!(false, "memory cannot fail to read: {e}"),
            Ok(rows) => {
                let mut last = 1;
                for row in rows {
                    let row = row.expect("reading from memory never fails");
                    prop_assert!(row.line > last, "lines increase: {} after {}", row.line, last);
                    prop_assert!(row.line <= line_count(&input));
                    if let Err(e) = &row.result {
                        prop_assert!(!e.to_string().is_empty());
                    }
                    last = row.line;
                }
            }
        }
    }
}

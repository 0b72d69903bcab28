//! Cuts a SQL script into statements at semicolons outside quotes and `--` comments,
//! keeping where each starts so errors can point into the script.

/// One statement of a script: its text (from its first character) and where it starts
/// (line and column from 1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatementText {
    /// Line of the statement's first character.
    pub line: usize,
    /// Column of the statement's first character.
    pub column: usize,
    /// The statement, without the `;`.
    pub text: String,
}

impl StatementText {
    /// The script position of a position counted within the statement's text.
    pub(crate) fn position(&self, line: usize, column: usize) -> (usize, usize) {
        if line <= 1 {
            (self.line, self.column + column.max(1) - 1)
        } else {
            (self.line + line - 1, column)
        }
    }
}

/// The statements of a script, in order; blank ones (`;;`, comments) are skipped.
pub fn split_statements(text: &str) -> Vec<StatementText> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let (mut line, mut column) = (1usize, 0usize);
    let mut start: Option<(usize, usize)> = None;
    let mut chars = text.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        if c == '\n' {
            line += 1;
            column = 0;
        } else {
            column += 1;
        }
        if let Some(q) = quote {
            cur.push(c);
            if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\'' | '"' | '`' => {
                quote = Some(c);
                start.get_or_insert((line, column));
                cur.push(c);
            }
            '-' if chars.peek() == Some(&'-') => {
                // A comment runs to the end of the line; its newline stays in the text so
                // that line numbers within the statement stay right.
                for n in chars.by_ref() {
                    if n == '\n' {
                        line += 1;
                        column = 0;
                        if start.is_some() {
                            cur.push('\n');
                        }
                        break;
                    }
                }
            }
            ';' => {
                if let Some((l, c)) = start.take() {
                    out.push(StatementText { line: l, column: c, text: std::mem::take(&mut cur) });
                }
                cur.clear();
            }
            c => {
                if !c.is_whitespace() {
                    start.get_or_insert((line, column));
                }
                if start.is_some() {
                    cur.push(c);
                }
            }
        }
    }
    if let Some((l, c)) = start {
        out.push(StatementText { line: l, column: c, text: cur });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_split_at_semicolons_outside_quotes_with_their_positions() {
        let s = split_statements(
            "-- a comment; not a split\nCREATE TABLE a WITH (x = 'p;q');\n\n  SELECT 1;\nSELECT 2",
        );
        let got: Vec<(usize, usize, String)> =
            s.iter().map(|s| (s.line, s.column, s.text.trim().to_string())).collect();
        assert_eq!(
            got,
            vec![
                (2, 1, "CREATE TABLE a WITH (x = 'p;q')".to_string()),
                (4, 3, "SELECT 1".to_string()),
                (5, 1, "SELECT 2".to_string())
            ]
        );
        assert_eq!(s[1].position(1, 8), (4, 10));
        assert_eq!(s[1].position(2, 8), (5, 8));
    }
}

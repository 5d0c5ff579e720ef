//! The nesting depth of JSON text, measured before it is parsed, so that a document nested deeper than
//! a limit is refused with the JSON pointer and line where it went too deep (the JSON parser itself
//! would stop at its recursion limit with no pointer).

/// Where a document first went deeper than the limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooDeep {
    /// JSON pointer of the container that opened one level too many.
    pub pointer: String,
    /// 1-based line of its opening bracket.
    pub line: usize,
}

enum Frame {
    /// An object, with the key of the member being read.
    Object(Option<String>),
    /// An array, with the index of the element being read.
    Array(usize),
}

/// Checks that `bytes` nests objects and arrays at most `max` levels deep. Text that is not JSON is
/// left for the parser to report.
pub fn check(bytes: &[u8], max: usize) -> Result<(), TooDeep> {
    let mut stack: Vec<Frame> = Vec::new();
    let mut line = 1;
    let mut i = 0;
    // In an object: whether the next string is a key.
    let mut want_key = false;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => line += 1,
            b'"' => {
                let start = i + 1;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                if want_key {
                    if let Some(Frame::Object(key)) = stack.last_mut() {
                        let raw = &bytes[start..i.min(bytes.len())];
                        *key = Some(String::from_utf8_lossy(raw).into_owned());
                    }
                    want_key = false;
                }
            }
            b'{' | b'[' => {
                if stack.len() >= max {
                    return Err(TooDeep {
                        pointer: pointer(&stack),
                        line,
                    });
                }
                if bytes[i] == b'{' {
                    stack.push(Frame::Object(None));
                    want_key = true;
                } else {
                    stack.push(Frame::Array(0));
                }
            }
            b'}' | b']' => {
                stack.pop();
                want_key = false;
            }
            b',' => match stack.last_mut() {
                Some(Frame::Array(n)) => *n += 1,
                Some(Frame::Object(_)) => want_key = true,
                None => {}
            },
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

fn pointer(stack: &[Frame]) -> String {
    let mut p = String::new();
    // Every frame but the innermost names the member that holds the next one; the innermost names the
    // member being read, which is the container that went too deep.
    for f in stack {
        match f {
            Frame::Object(Some(k)) => p.push_str(&format!("/{}", k.replace('~', "~0").replace('/', "~1"))),
            Frame::Object(None) => {}
            Frame::Array(n) => p.push_str(&format!("/{n}")),
        }
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_pointer_and_line() {
        assert!(check(br#"{"a":[1,{"b":[]}]}"#, 4).is_ok());
        let err = check(b"{\"a\":[1,\n{\"b\":[[]]}]}", 4).unwrap_err();
        assert_eq!(
            err,
            TooDeep {
                pointer: "/a/1/b/0".into(),
                line: 2
            }
        );
        // Brackets inside strings do not count.
        assert!(check(br#"{"a":"[[[[[[[[","b\"[":1}"#, 1).is_ok());
    }
}

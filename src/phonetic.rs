//! Reading a pass over the phone: grouping and a spelling alphabet.
//!
//! Letters use the ICAO/NATO alphabet with the case said first for capitals ("capital kilo"),
//! digits their English names, symbols their everyday names (`%` "percent sign"). Anything else is
//! named by its Unicode code point so nothing is ever silently skipped.

/// The pass in groups of `size` characters separated by one space (`+drk zqAD`). A pass never
/// holds spaces, so the grouping cannot be mistaken for part of it.
pub fn group(pass: &str, size: usize) -> String {
    let size = size.max(1);
    let chars: Vec<char> = pass.chars().collect();
    chars.chunks(size).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join(" ")
}

const NATO: [&str; 26] = [
    "alfa", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliett", "kilo", "lima",
    "mike", "november", "oscar", "papa", "quebec", "romeo", "sierra", "tango", "uniform", "victor", "whiskey", "x-ray",
    "yankee", "zulu",
];

const DIGITS: [&str; 10] = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];

/// How to say one character: `k` → "kilo", `K` → "capital kilo", `7` → "seven", `%` → "percent sign".
pub fn say(c: char) -> String {
    if c.is_ascii_lowercase() {
        return NATO[(c as u8 - b'a') as usize].to_owned();
    }
    if c.is_ascii_uppercase() {
        return format!("capital {}", NATO[(c as u8 - b'A') as usize]);
    }
    if c.is_ascii_digit() {
        return DIGITS[(c as u8 - b'0') as usize].to_owned();
    }
    let name = match c {
        '!' => "exclamation mark",
        '"' => "double quote",
        '#' => "hash",
        '$' => "dollar sign",
        '%' => "percent sign",
        '&' => "ampersand",
        '\'' => "apostrophe",
        '(' => "left parenthesis",
        ')' => "right parenthesis",
        '*' => "asterisk",
        '+' => "plus",
        ',' => "comma",
        '-' => "hyphen",
        '.' => "full stop",
        '/' => "slash",
        ':' => "colon",
        ';' => "semicolon",
        '<' => "less-than sign",
        '=' => "equals sign",
        '>' => "greater-than sign",
        '?' => "question mark",
        '@' => "at sign",
        '[' => "left square bracket",
        '\\' => "backslash",
        ']' => "right square bracket",
        '^' => "caret",
        '_' => "underscore",
        '`' => "backtick",
        '{' => "left curly brace",
        '|' => "vertical bar",
        '}' => "right curly brace",
        '~' => "tilde",
        ' ' => "space",
        other => return format!("character U+{:04X}", other as u32),
    };
    name.to_owned()
}

/// One "char name" item per character of `pass`, e.g. `["+ plus", "d delta", "K capital kilo"]`.
pub fn spell(pass: &str) -> Vec<String> {
    pass.chars().map(|c| format!("{c} {}", say(c))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_and_spells() {
        assert_eq!(group("+drkzqAD", 4), "+drk zqAD");
        assert_eq!(group("abcdefghij", 4), "abcd efgh ij");
        assert_eq!(group("", 4), "");
        assert_eq!(say('k'), "kilo");
        assert_eq!(say('K'), "capital kilo");
        assert_eq!(say('7'), "seven");
        assert_eq!(say('%'), "percent sign");
        assert_eq!(say('\''), "apostrophe");
        assert_eq!(say('é'), "character U+00E9");
        assert_eq!(spell("+D7"), vec!["+ plus", "D capital delta", "7 seven"]);
    }
}

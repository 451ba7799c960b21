//! `/problems/{name}`: what each problem `type` of the API means and how to
//! fix the request, in Swedish and English — so that every `type` an error
//! names is a URI that resolves. HTML for people, JSON for
//! `Accept: application/json`.

use std::fmt::Write;

use serde_json::json;

use super::html::{esc, Lang};
use super::layout::{self, Frame, Site};

/// A problem type: its name (the last segment of its URI), HTTP status,
/// title, and in Swedish and English what it means and what to do.
pub struct ProblemType {
    pub name: &'static str,
    pub status: u16,
    pub title: &'static str,
    pub meaning: (&'static str, &'static str),
    pub fix: (&'static str, &'static str),
}

/// Every problem type the API answers with.
pub const PROBLEM_TYPES: &[ProblemType] = &[
    ProblemType { name: "bad-request", status: 400, title: "Bad request",
        meaning: ("Begäran gick inte att läsa: till exempel en kropp som inte är JSON, eller en markör från en annan fråga.", "The request could not be read: for example a body that is not JSON, or a cursor from another query."),
        fix: ("Läs `detail` och rätta begäran; dokumentationen (/docs) visar formen.", "Read `detail` and correct the request; the documentation (/docs) shows its form.") },
    ProblemType { name: "invalid-parameter", status: 400, title: "Invalid query parameter",
        meaning: ("En parameter har ett värde som inte går att läsa, eller operationen har ingen parameter med det namnet (namnen skiljer på stora och små bokstäver).", "A parameter has a value that cannot be read, or the operation has no parameter of that name (names are case-sensitive)."),
        fix: ("`errors` namnger parametern, vad som skickades och vad den tar emot.", "`errors` names the parameter, what was given and what it takes.") },
    ProblemType { name: "validation", status: 422, title: "Invalid request body",
        meaning: ("Kroppen är JSON men bryter mot reglerna: varje fel listas med sin JSON-pekare. Inget skrevs.", "The body is JSON but breaks the rules: every problem is listed with its JSON pointer. Nothing was written."),
        fix: ("Rätta varje fält som `errors` pekar ut och skicka igen.", "Correct every field `errors` points at and send again.") },
    ProblemType { name: "not-found", status: 404, title: "Not found",
        meaning: ("Det finns ingen resurs på adressen: ett okänt id, en kod eller en sökväg.", "There is no resource at the address: an unknown id, code or path."),
        fix: ("Kontrollera id:t eller koden; listorna (/v1/…) visar vad som finns.", "Check the id or code; the lists (/v1/…) show what exists.") },
    ProblemType { name: "unauthorized", status: 401, title: "Missing or unknown API key",
        meaning: ("Operationen kräver en API-nyckel och ingen giltig skickades.", "The operation needs an API key and no valid one was sent."),
        fix: ("Skicka nyckeln som `Authorization: Bearer <nyckel>`.", "Send the key as `Authorization: Bearer <key>`.") },
    ProblemType { name: "forbidden", status: 403, title: "Not allowed for this API key",
        meaning: ("Nyckeln är giltig men får inte göra detta, till exempel skriva en annan kommuns omgångar.", "The key is valid but may not do this, for example write another municipality's sessions."),
        fix: ("Använd en nyckel för rätt kommun, eller en administratörsnyckel.", "Use a key of the right municipality, or an admin key.") },
    ProblemType { name: "conflict", status: 409, title: "Conflict",
        meaning: ("Begäran krockar med en annan: samma Idempotency-Key används för en annan begäran, eller en likadan pågår.", "The request collides with another: the same Idempotency-Key with another request, or an identical one in progress."),
        fix: ("Använd en ny Idempotency-Key för en ny begäran; vänta och försök igen om en pågår.", "Use a new Idempotency-Key for a new request; wait and retry if one is in progress.") },
    ProblemType { name: "cursor-expired", status: 410, title: "Cursor no longer valid",
        meaning: ("Markören i ändringsflödet hör till en databas som har återställts.", "The change feed's cursor belongs to a database that has since been restored."),
        fix: ("Börja om från början av flödet (utan `after`).", "Start again from the beginning of the feed (without `after`).") },
    ProblemType { name: "too-many-rows", status: 400, title: "Too many rows",
        meaning: ("Svaret på frågan skulle bli fler rader än ett svar rymmer (`max_reach_rows` i /v1/api-info).", "The answer to the question would have more rows than one answer holds (`max_reach_rows` in /v1/api-info)."),
        fix: ("Gruppera på färre fält, eller avgränsa med län, kommun, program eller en kortare period, och fråga i delar.", "Group by fewer fields, or narrow by county, municipality, programme or a shorter period, and ask in parts.") },
    ProblemType { name: "rate-limited", status: 429, title: "Too many requests",
        meaning: ("Klienten har gjort fler förfrågningar än gränsen per minut.", "The client made more requests than the limit per minute."),
        fix: ("Vänta så många sekunder som `Retry-After` säger.", "Wait as many seconds as `Retry-After` says.") },
    ProblemType { name: "unavailable", status: 503, title: "Service unavailable",
        meaning: ("Databasen svarar inte just nu, eller svaret tog för lång tid.", "The database does not answer at the moment, or the answer took too long."),
        fix: ("Försök igen efter `Retry-After`; en skrivning med samma Idempotency-Key.", "Retry after `Retry-After`; a write with the same Idempotency-Key.") },
    ProblemType { name: "database-unavailable", status: 503, title: "Database unavailable",
        meaning: ("Databasen gick inte att nå eller tappade förbindelsen (den startar kanske om). Inget skrevs till hälften: en skrivning är hel eller inte gjord alls.", "The database could not be reached or dropped the connection (it may be restarting). Nothing was half-written: a write is whole or not made at all."),
        fix: ("Försök igen efter `Retry-After` sekunder; en skrivning med samma Idempotency-Key, så görs den exakt en gång.", "Retry after `Retry-After` seconds; a write with the same Idempotency-Key, so it is applied exactly once.") },
    ProblemType { name: "internal", status: 500, title: "Internal server error",
        meaning: ("Servern misslyckades; orsaken loggas med begärans id, aldrig i svaret.", "The server failed; the cause is logged with the request id, never sent."),
        fix: ("Försök igen; kvarstår felet, skicka `X-Request-Id` till utgivaren.", "Retry; if it persists, send the `X-Request-Id` to the publisher.") },
    ProblemType { name: "method-not-allowed", status: 405, title: "Method not allowed",
        meaning: ("Adressen finns men inte med den metoden.", "The address exists, but not with that method."),
        fix: ("Huvudet `Allow` listar metoderna som finns.", "The `Allow` header lists the methods there are.") },
    ProblemType { name: "payload-too-large", status: 413, title: "Request body too large",
        meaning: ("Kroppen är större än gränsen (även uppackad, om den var komprimerad).", "The body is larger than the limit (unpacked too, if it was compressed)."),
        fix: ("Dela upp en stor batch i flera.", "Split a large batch into several.") },
    ProblemType { name: "unsupported-media-type", status: 415, title: "Unsupported media type",
        meaning: ("Kroppen har en typ som operationen inte tar emot.", "The body has a type the operation does not take."),
        fix: ("Skicka `Content-Type: application/json`.", "Send `Content-Type: application/json`.") },
    ProblemType { name: "not-acceptable", status: 406, title: "Not acceptable",
        meaning: ("Inget av formaten i `Accept` finns för operationen.", "None of the formats in `Accept` is offered by the operation."),
        fix: ("Be om JSON, eller `?format=` med ett av formaten som dokumentationen nämner.", "Ask for JSON, or `?format=` with one of the formats the documentation names.") },
    ProblemType { name: "http", status: 400, title: "Request failed",
        meaning: ("Ett annat fel i HTTP-lagret.", "Another error in the HTTP layer."),
        fix: ("Läs `detail`.", "Read `detail`.") },
];

pub fn find(name: &str) -> Option<&'static ProblemType> {
    PROBLEM_TYPES.iter().find(|p| p.name == name)
}

/// The problem type as JSON, for `Accept: application/json`.
pub fn as_json(p: &ProblemType, base: &str) -> String {
    json!({
        "type": format!("{base}/problems/{}", p.name),
        "title": p.title,
        "status": p.status,
        "meaning": { "sv": p.meaning.0, "en": p.meaning.1 },
        "fix": { "sv": p.fix.0, "en": p.fix.1 },
    })
    .to_string()
}

/// The problem type's page: Swedish first, then English.
pub fn page(p: &ProblemType, site: &Site) -> String {
    let base = site.base;
    let mut out = String::with_capacity(4096);
    let path = format!("/problems/{}", p.name);
    let title = format!("{} ({})", p.title, p.status);
    layout::open(
        &Frame {
            lang: Lang::Sv,
            title: &title,
            description: p.meaning.0,
            sv_path: &path,
            en_path: &path,
            shortcuts: &[],
        },
        site,
        &mut out,
    );
    let _ = write!(
        out,
        r#"<p><code>{base}{path}</code></p><h2>Vad det betyder</h2><p>{}</p><h2>Vad du gör</h2><p>{}</p><section lang="en" aria-labelledby="en-h"><h2 id="en-h">In English</h2><p>{}</p><p>{}</p></section><p><a href="/docs">API-dokumentationen / The API documentation</a></p>"#,
        esc(p.meaning.0),
        esc(p.fix.0),
        esc(p.meaning.1),
        esc(p.fix.1),
    );
    layout::close(Lang::Sv, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `/problems/…` the code names is explained here.
    #[test]
    fn every_problem_type_in_the_code_is_explained() {
        let sources = [
            include_str!("../../error/mod.rs"),
            include_str!("../../error/problem.rs"),
            include_str!("../../http/problems.rs"),
        ];
        let mut named = 0;
        for source in sources {
            for part in source.split("\"/problems/").skip(1) {
                let name: String = part
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '-')
                    .collect();
                assert!(find(&name).is_some(), "/problems/{name} is not explained");
                named += 1;
            }
        }
        assert!(named >= 15, "{named}");
    }
}

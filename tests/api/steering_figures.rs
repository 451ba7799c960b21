//! Figures a coordinator can put before a steering group (issue 24): every
//! rate names what it divides by, a year that is not over says so and is
//! compared with nothing, a year without data is unknown rather than zero,
//! and the labels say what they count. Through HTTP, as the API and the page
//! answer.

use chrono::Datelike;
use serde_json::Value;

use crate::helpers::reach_fixtures::{counts, insert, session, People};
use crate::helpers::{indicator, indicator_area, TestApp};

fn this_year() -> i32 {
    chrono::Utc::now().year()
}

/// Skinnskatteberg (1904) two years ago and this year; Västerås (1980) last
/// year only. Nothing at all three years ago.
async fn three_years(app: &TestApp) {
    let y = this_year();
    let mut a = counts(
        session("1904", "abc", "completed", &format!("{}-03-01", y - 2)),
        People {
            enrolled: 12,
            completed: 10,
            women: 8,
            men: 4,
            vulnerable: 3,
            respondents: 10,
            satisfied: 8,
        },
    );
    a.languages = ",sv,ar,".into();
    let b = counts(
        session("1980", "abc", "completed", &format!("{}-03-01", y - 1)),
        People {
            enrolled: 20,
            completed: 18,
            women: 12,
            men: 8,
            vulnerable: 5,
            respondents: 16,
            satisfied: 14,
        },
    );
    let c = counts(
        session("1904", "abc", "ongoing", &format!("{y}-01-15")),
        People {
            enrolled: 9,
            completed: 0,
            women: 5,
            men: 4,
            vulnerable: 0,
            respondents: 0,
            satisfied: 0,
        },
    );
    insert(&app.db, vec![a, b, c]).await;
}

#[tokio::test]
async fn every_rate_names_its_population_year_band_source_and_lag() {
    let app = TestApp::new().await;
    three_years(&app).await;
    let y = this_year();
    let v = app
        .reach(&format!(
            "group_by=municipality,year&municipality=1980&from={}&to={}",
            y - 1,
            y - 1
        ))
        .await
        .ok_json();
    let row = &v["data"][0];
    let p = &row["population"];
    // The only children figures loaded are 0–15 on 2018-12-31 (the data's README).
    assert_eq!(
        (
            p["year"].clone(),
            p["children_age_from"].clone(),
            p["children_age_to"].clone()
        ),
        (2018.into(), 0.into(), 15.into())
    );
    assert_eq!(p["lag_years"], y - 1 - 2018, "{row}");
    assert!(
        p["source"].as_str().is_some_and(|s| s.contains("SCB")),
        "{p}"
    );
    let i = &row["inhabitants"];
    assert!(i["source"].as_str().is_some_and(|s| !s.is_empty()), "{i}");
    assert_eq!(
        i["lag_years"],
        y - 1 - i["year"].as_i64().unwrap_or(0) as i32
    );

    // The CSV carries the same: the source and the lag beside the rate.
    let csv = app
        .reach(&format!(
            "group_by=municipality&municipality=1980&from={}&to={}&format=csv",
            y - 1,
            y - 1
        ))
        .await
        .csv_rows();
    let col = |name: &str| {
        csv[0]
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no {name}"))
    };
    assert!(csv[1][col("population_source")].contains("SCB"));
    assert_eq!(
        csv[1][col("population_lag_years")],
        (y - 1 - 2018).to_string()
    );

    // The page says what its charts divide by, and that it is old.
    let page = app.page(&format!("year={}", y - 1)).await.text();
    assert!(
        page.contains("Nämnare: barn 0–15 år den 31 december 2018"),
        "no denominator"
    );
    assert!(
        page.contains("Befolkningssiffrorna är upp till"),
        "the lag is not marked"
    );
    let en = app.page_en(&format!("year={}", y - 1)).await.text();
    assert!(en.contains("Denominator: children aged 0–15 on 31 December 2018"));
}

#[tokio::test]
async fn a_year_not_over_says_so_and_is_compared_with_nothing() {
    let app = TestApp::new().await;
    three_years(&app).await;
    let y = this_year();
    let v = app.reach("group_by=year").await.ok_json();
    let complete: Vec<(Value, Value)> = v["data"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| (r["year"].clone(), r["complete"].clone()))
        .collect();
    assert_eq!(
        complete,
        vec![
            ((y - 2).into(), true.into()),
            ((y - 1).into(), true.into()),
            (y.into(), false.into())
        ]
    );
    // The total of a query without an end runs to today.
    assert_eq!(app.reach("").await.ok_json()["data"][0]["complete"], false);
    assert_eq!(
        app.reach(&format!("to={}", y - 1)).await.ok_json()["data"][0]["complete"],
        true
    );

    let v = app.indicators(&format!("year={y}")).await.ok_json();
    assert_eq!(v["complete"], false);
    let reach = indicator(indicator_area(&v, "1904"), "reach_per_1000_children");
    assert!(
        reach["value"].is_number(),
        "the figure so far is shown: {reach}"
    );
    assert_eq!(reach["change"], Value::Null);
    assert!(
        reach["change_note"]
            .as_str()
            .is_some_and(|n| n.contains("not over")),
        "{reach}"
    );
    assert_eq!(
        app.indicators(&format!("year={}", y - 1)).await.ok_json()["complete"],
        true
    );

    let page = app.page(&format!("year={y}")).await.text();
    assert!(
        page.contains(&format!("{y} (hittills i år)")),
        "the trend marks the running year"
    );
    assert!(page.contains(&format!("{y} är inte slut")));
    assert!(!page.contains(&format!("{} (hittills i år)", y - 1)));
    // The default year is the last whole one.
    let default = app.page("").await.text();
    assert!(default.contains(&format!("Indikatorer {}", y - 1)));
}

#[tokio::test]
async fn a_year_after_a_year_without_data_shows_no_growth_from_nothing() {
    let app = TestApp::new().await;
    three_years(&app).await;
    let y = this_year();
    // Skinnskatteberg two years ago; nothing in the county three years ago.
    let v = app.indicators(&format!("year={}", y - 2)).await.ok_json();
    let sk = indicator_area(&v, "1904");
    for id in [
        "reach_per_1000_children",
        "languages_offered",
        "age_coverage",
    ] {
        let i = indicator(sk, id);
        assert!(i["value"].is_number(), "{i}");
        assert_eq!(
            (i["previous_value"].clone(), i["change"].clone()),
            (Value::Null, Value::Null),
            "{i}"
        );
        assert!(
            i["change_note"]
                .as_str()
                .is_some_and(|n| n.contains("no sessions are reported")),
            "{i}"
        );
    }
    let page = app.page(&format!("year={}", y - 2)).await.text();
    assert!(page.contains(&format!("– (inget värde för {})", y - 3)));
    assert!(!page.contains("+100,0\u{a0}%"), "no growth from nothing");
    assert!(
        !page.contains("+100,0 procentenheter"),
        "no growth from nothing"
    );
}

#[tokio::test]
async fn unknown_is_never_published_as_zero() {
    let app = TestApp::new().await;
    three_years(&app).await;
    let y = this_year();
    // Stockholm's county has no sessions at all.
    let v = app
        .indicators(&format!("county=01&year={}", y - 1))
        .await
        .ok_json();
    let county = indicator_area(&v, "01");
    for id in [
        "reach_per_1000_children",
        "languages_offered",
        "age_coverage",
        "digital_share",
    ] {
        let i = indicator(county, id);
        assert_eq!(i["value"], Value::Null, "{i}");
        assert!(
            i["note"]
                .as_str()
                .is_some_and(|n| n.contains("no sessions are reported")),
            "{i}"
        );
    }
    // A reach total that nothing matched is unknown, not 0 per 1,000.
    let total = app
        .reach(&format!("county=01&from={y}&to={y}"))
        .await
        .ok_json();
    assert_eq!(total["data"][0]["reach_per_1000_inhabitants"], Value::Null);
    assert_eq!(total["data"][0]["sessions"], 0);

    // The page names the county it shows and invents no zero.
    let page = app.page(&format!("county=01&year={}", y - 1)).await.text();
    assert!(
        page.contains("<h1>Föräldraskapsstöd i Stockholms län"),
        "the heading names the county"
    );
    assert!(
        !page.contains("Västmanland –"),
        "no other county in the heading"
    );
    assert!(!page.contains("Länet: 0,0"));
    assert!(page.contains(&format!(
        "Inga omgångar är rapporterade för {} i Stockholms län.",
        y - 1
    )));
    // A year with no data says so, not that children figures are missing.
    let old = app.page("year=1900").await.text();
    assert!(old.contains("Inga omgångar är rapporterade för 1900 i Västmanlands län."));
    assert!(!old.contains("saknar någon kommun uppgift"));
}

#[tokio::test]
async fn labels_and_details_say_what_they_count() {
    let app = TestApp::new().await;
    three_years(&app).await;
    let y = this_year();
    let v = app.indicators(&format!("year={}", y - 2)).await.ok_json();
    let sk = indicator_area(&v, "1904");
    let ev = indicator(sk, "evaluated_evidence_share");
    assert!(
        ev["label"]["en"]
            .as_str()
            .is_some_and(|l| l.contains("SBU: limited, moderate or strong")),
        "{ev}"
    );
    // ABC covers ages 3–12 in the catalogue: one session for each of those
    // ages, none for the rest of 0–17, and nothing past 17.
    let ages = indicator(sk, "age_coverage");
    let detail = ages["detail"].as_str().unwrap_or_default();
    let pairs: Vec<(i32, i64)> = detail
        .split(',')
        .filter_map(|p| p.split_once(':'))
        .map(|(a, n)| (a.parse().unwrap_or(-1), n.parse().unwrap_or(-1)))
        .collect();
    assert_eq!(
        pairs.iter().map(|p| p.0).collect::<Vec<_>>(),
        (0..=17).collect::<Vec<_>>(),
        "{detail}"
    );
    let covered = pairs.iter().filter(|p| p.1 > 0).count();
    assert!(covered > 0 && covered < 18, "{detail}");
    assert_eq!(ages["value"], ((covered as f64 / 18.0) * 1e4).round() / 1e4);
    assert!(pairs.iter().all(|p| p.1 == 0 || p.1 == 1), "{detail}");

    // The response rate stands beside the share satisfied: 10 of 12 answered,
    // published with the breakdowns' noise over the exact 12.
    let ids: Vec<&str> = sk["indicators"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i["id"].as_str())
        .collect();
    let at = |id| ids.iter().position(|i| *i == id);
    assert_eq!(
        at("satisfaction_response_rate"),
        at("satisfaction_rate").map(|p| p + 1)
    );
    let rr = indicator(sk, "satisfaction_response_rate")["value"]
        .as_f64()
        .unwrap_or(-1.0);
    // Within the published bound of the noise (rare moves reach it).
    let info = app.get("/v1/api-info").await.ok_json();
    let bound = info["disclosure_control"]["max_noise"].as_f64().unwrap();
    let respondents = (rr * 12.0).round();
    assert!(
        (10.0 - respondents).abs() <= bound,
        "{rr}: {respondents} of 12"
    );

    // Definitions read as plain language: no API field names or codes.
    for i in sk["indicators"].as_array().into_iter().flatten() {
        for lang in ["sv", "en"] {
            let d = i["definition"][lang].as_str().unwrap_or_default();
            for leak in ["`", "detail", "limited`", "unassessed"] {
                assert!(!d.contains(leak), "{} {lang}: {d}", i["id"]);
            }
        }
    }
    // The page shows which ages and which languages.
    let page = app.page(&format!("year={}", y - 2)).await.text();
    assert!(page.contains("Åldrar som täcks: "), "the ages in words");
    assert!(page.contains(r#"<span class="ages" aria-hidden="true">"#));
}

/// The coordinator's observations, tried again on the demo data.
#[tokio::test]
async fn on_the_demo_data_the_observations_are_gone() {
    let app = TestApp::with_demo_sessions(3000, 42).await;
    let y = this_year();
    let years: Vec<i64> = app.reach("group_by=year").await.ok_json()["data"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["year"].as_i64())
        .collect();
    let first = years.first().copied().unwrap_or_default();
    assert!(first > 2000 && years.contains(&i64::from(y)), "{years:?}");

    // Growth from nothing: the first year of data is compared with no year.
    let page = app.page(&format!("year={first}")).await.text();
    assert!(page.contains(&format!("– (inget värde för {})", first - 1)));
    assert!(
        !page.contains("procentenheter</td>"),
        "no change in percentage points from nothing"
    );
    let v = app.indicators(&format!("year={first}")).await.ok_json();
    let reach = indicator(indicator_area(&v, "19"), "reach_per_1000_children");
    assert_eq!(
        (reach["previous_value"].clone(), reach["change"].clone()),
        (Value::Null, Value::Null)
    );

    // The running year is marked, and is compared with nothing.
    let page = app.page("").await.text();
    assert!(page.contains(&format!("{y} (hittills i år)")));
    let v = app.indicators(&format!("year={y}")).await.ok_json();
    assert_eq!(
        indicator(indicator_area(&v, "19"), "reach_per_1000_children")["change"],
        Value::Null
    );

    // Another county: named, and no zero where nothing is known.
    let page = app.page("county=01").await.text();
    assert!(page.contains("<h1>Föräldraskapsstöd i Stockholms län"));
    assert!(!page.contains("Länet: 0,0"));
    assert!(
        !page.contains(r#"<td class="num">0</td>"#),
        "no language count of 0"
    );
    assert!(
        !page.contains(r#"<td class="num">0,0&nbsp;%"#)
            && !page.contains("<td class=\"num\">0,0\u{a0}%")
    );

    // Every rate says what it divides by.
    let row = &app
        .reach("group_by=municipality&municipality=1980&from=2024&to=2024")
        .await
        .ok_json()["data"][0];
    assert_eq!(row["population"]["year"], 2018);
    assert_eq!(row["population"]["lag_years"], 6);
    assert_eq!(row["inhabitants"]["year"], 2024);
    assert_eq!(row["inhabitants"]["lag_years"], 0);
}

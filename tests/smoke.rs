mod common;

#[tokio::test]
async fn a_fresh_database_serves_all_290_municipalities() {
    let app = common::TestApp::new().await;
    let resp = app
        .client
        .get("/v1/municipalities")
        .query("limit", &1000)
        .send()
        .await;
    resp.assert_status_is_ok();
    let json = resp.json().await;
    assert_eq!(json.value().object().get("data").array().len(), 290);
}

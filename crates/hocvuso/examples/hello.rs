//! The ceiling `scripts/bench-load.sh` measures beside the platform in the same run: actix-web
//! answering "hello" with nothing else (no database, templates, compression or middleware), on
//! as many workers as the platform's server. Usage: `hello [ADDRESS]` (default 127.0.0.1:8089).

use actix_web::{web, App, HttpResponse, HttpServer};

fn main() -> std::io::Result<()> {
    let bind = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8089".to_owned());
    actix_web::rt::System::new().block_on(async move {
        HttpServer::new(|| {
            App::new().route(
                "/",
                web::get().to(|| async { HttpResponse::Ok().body("hello") }),
            )
        })
        .bind(bind)?
        .run()
        .await
    })
}

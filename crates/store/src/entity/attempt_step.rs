//! A quiz attempt's steps: `start`, answers kept (`save`) or checked one at a time (`check`),
//! `submit` with the answers graded, an instructor's `grade`.

step_table!("attempt_steps");

//! A practice-task attempt's steps: `start`, then one `answer` per answer with its grade.

step_table!("task_steps");

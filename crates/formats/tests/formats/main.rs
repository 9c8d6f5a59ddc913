mod auditd;
mod ecs_process;

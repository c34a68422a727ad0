/**
 * Models written with the engine, free of Flink, so that training, serving and SQL share one
 * forward pass: {@link io.streamgrad.nn.Model} (named parameters, {@code stateDict()} / {@code
 * loadStateDict(...)}), {@link io.streamgrad.nn.ModelFactory} (what a job ships to create a model
 * per id), the built-ins in {@link io.streamgrad.nn.Models} ({@link io.streamgrad.nn.Linear}, an
 * MLP, logistic regression with its {@link io.streamgrad.nn.Link}) and {@link
 * io.streamgrad.nn.Loss}.
 *
 * <p>Dependencies point one way: kernels ← autograd ← nn ← flink-operators ← jobs.
 */
package io.streamgrad.nn;

/**
 * The engine: tensors with PyTorch's autograd semantics on SIMD kernels.
 *
 * <p>A reading order for newcomers: {@link io.streamgrad.autograd.Tensor} (data, shape, {@code
 * requiresGrad}, {@code grad}, the ops), then {@code Elementwise} (how an op records its backward
 * closure and what it saves), {@link io.streamgrad.autograd.Node} (a backward function: its edges
 * to the inputs and its saved tensors, checked against version counters), and {@code Engine}
 * (backward: count dependencies, run ready nodes, reduce broadcast gradients in one place). {@code
 * AccumulateGrad} adds into leaves' grads; {@code GradientBuffers} is how a step avoids allocating
 * gradient temporaries; {@link io.streamgrad.autograd.Grad} is the no-grad scope. The numeric work
 * is in {@link io.streamgrad.autograd.kernels}.
 */
package io.streamgrad.autograd;

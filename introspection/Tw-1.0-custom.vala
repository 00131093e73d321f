/* Tw-1.0-custom.vala: what vapigen cannot say from Tw-1.0.gir.
 *
 * TwStepFunc takes `const GValue *sent`. Vala has no const pointers: a lambda
 * given for a Tw.StepFunc becomes a C function taking `GValue *`, and passing
 * it to tw_generator_worker_new() warned in the generated C. Declaring the
 * parameter's C type makes Vala cast the function to TwStepFunc, which is the
 * same function type but for the const (the step only reads @sent).
 */
namespace Tw {
	public sealed class GeneratorWorker : Tw.Worker {
		[CCode (has_construct_function = false, type = "TwWorker*")]
		public GeneratorWorker ([CCode (type = "TwStepFunc")] owned Tw.StepFunc step);
	}
}

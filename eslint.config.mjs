// ESLint: typescript-eslint's recommended rules plus Pulumi's rules against Outputs in template
// literals (a plain template would print "Calling [toString] on an [Output<T>]..." instead of the value).
import pulumi from "@pulumi/eslint-plugin";
import tseslint from "typescript-eslint";

export default tseslint.config(
    { ignores: ["**/node_modules/**", ".plan/**", "bin/**", "bench/out/**", "**/*.js"] },
    ...tseslint.configs.recommended,
    {
        files: ["**/*.ts"],
        languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
        plugins: { pulumi },
        rules: {
            "pulumi/no-output-in-template-literal": "error",
            "pulumi/no-output-instance-in-template-literal": "error",
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
            // The roots of @pulumi/aws and @pulumi/kubernetes load every AWS service's and API group's modules at
            // start-up: components/common/aws.ts and kubernetes.ts re-export those the program uses.
            "no-restricted-imports": [
                "error",
                {
                    paths: [
                        { name: "@pulumi/aws", message: "import the services from components/common/aws.ts (it says why)." },
                        {
                            name: "@pulumi/kubernetes",
                            message: "import the API groups from components/common/kubernetes.ts (it says why).",
                        },
                    ],
                },
            ],
        },
    },
    {
        // The benchmark's floor and the tests register resources of services and API groups the program does not use.
        files: ["tools/bench/**/*.ts", "test/**/*.ts"],
        rules: { "no-restricted-imports": "off" },
    },
    {
        // Tests build deliberately malformed config, which is untyped by nature.
        files: ["test/**/*.ts"],
        rules: { "@typescript-eslint/no-explicit-any": "off" },
    },
);

package io.inceptionserve.security;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.core.authority.AuthorityUtils;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.core.context.SecurityContextHolderStrategy;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.authentication.preauth.PreAuthenticatedAuthenticationToken;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Mode api-key: a request whose {@code X-API-Key} header holds a configured key is authenticated
 * as that key ({@code api-key-1}, {@code api-key-2}, … in configuration order); a header with any
 * other value is refused at once. A request without the header passes on unauthenticated, and the
 * authorization rules decide whether its endpoint needs a key.
 */
final class ApiKeyAuthenticationFilter extends OncePerRequestFilter {

    static final String HEADER = "X-API-Key";

    private final SecurityContextHolderStrategy contexts = SecurityContextHolder.getContextHolderStrategy();
    private final List<byte[]> keyDigests;
    private final AuthenticationEntryPoint refusal;

    ApiKeyAuthenticationFilter(List<String> keys, AuthenticationEntryPoint refusal) {
        this.keyDigests = keys.stream().map(ApiKeyAuthenticationFilter::sha256).toList();
        this.refusal = refusal;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String key = request.getHeader(HEADER);
        if (key == null) {
            chain.doFilter(request, response);
            return;
        }
        int index = indexOf(key);
        if (index < 0) {
            refusal.commence(
                    request, response, new BadCredentialsException("the " + HEADER + " header holds no valid API key"));
            return;
        }
        SecurityContext context = contexts.createEmptyContext();
        context.setAuthentication(
                new PreAuthenticatedAuthenticationToken("api-key-" + (index + 1), null, AuthorityUtils.NO_AUTHORITIES));
        contexts.setContext(context);
        chain.doFilter(request, response);
    }

    /**
     * Compares digests of equal length in constant time, against every key, so that how long the
     * answer takes says nothing about how much of a key was right.
     */
    private int indexOf(String key) {
        byte[] digest = sha256(key);
        int index = -1;
        for (int i = 0; i < keyDigests.size(); i++) {
            if (MessageDigest.isEqual(digest, keyDigests.get(i))) {
                index = i;
            }
        }
        return index;
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
